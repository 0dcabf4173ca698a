//! Routes whose code is split out of the wasm a first-time shopper downloads (cargo-leptos
//! `--split`): every staff page, fetched when a rep opens one, and the storefront pages past
//! the catalog (a product, the cart, checkout, an order), fetched when the shopper goes
//! there. The catalog and the storefront frame (header, help box, add-to-cart) stay in the
//! main module, so the first visit is interactive as soon as it has loaded.
//!
//! Each route has nothing to load before its code arrives (its pages fetch their own data),
//! so `data()` is empty and `view` is the page, in a chunk of its own. Code shared by
//! several split pages lands in chunks they share. A page opened directly has its chunks
//! preloaded by the server's HTML and fetched before hydration.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::admin::{
    ActiveCartsPage, AdminCartPage, AdminLayout, AdminOrderPage, EventsPage, LoginPage, OrdersPage,
    StaffPage,
};
use super::{CartPage, CheckoutPage, OpenLinkPage, OrderPage, ProductPage};

/// One lazily loaded route showing `$page`.
macro_rules! lazy_route_to {
    ($(#[$doc:meta])* $route:ident => $page:ident) => {
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(this: Self) -> AnyView {
                let _ = this;
                $page().into_any()
            }
        }
    };
}

lazy_route_to!(
    /// `/admin/login`.
    StaffLogin => LoginPage
);
lazy_route_to!(
    /// The frame of every `/admin` and `/events` page: header, session, live events.
    StaffFrame => AdminLayout
);
lazy_route_to!(
    /// `/admin`: the active carts and the finder.
    StaffActiveCarts => ActiveCartsPage
);
lazy_route_to!(
    /// `/admin/carts/:id`.
    StaffCart => AdminCartPage
);
lazy_route_to!(
    /// `/admin/orders`.
    StaffOrders => OrdersPage
);
lazy_route_to!(
    /// `/admin/orders/:number`.
    StaffOrder => AdminOrderPage
);
lazy_route_to!(
    /// `/admin/staff`.
    StaffAccounts => StaffPage
);
lazy_route_to!(
    /// `/events`: the relay's status.
    StaffEvents => EventsPage
);
lazy_route_to!(
    /// `/products/:slug`.
    ShopProduct => ProductPage
);
lazy_route_to!(
    /// `/cart`.
    ShopCart => CartPage
);
lazy_route_to!(
    /// `/cart/open`: a link a rep pushed.
    ShopOpenLink => OpenLinkPage
);
lazy_route_to!(
    /// `/checkout`.
    ShopCheckout => CheckoutPage
);
lazy_route_to!(
    /// `/orders/:number`.
    ShopOrder => OrderPage
);
