//! The staff pages as lazily loaded routes: their code is split out of the wasm every
//! shopper downloads (cargo-leptos `--split`) and fetched when a rep opens one of them.
//!
//! Each route has nothing to load before its code arrives (its pages fetch their own data),
//! so `data()` is empty and `view` is the page, in a chunk of its own. Shared staff code
//! (the layout, rep tools) lands in chunks shared by the pages that use it.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::{
    ActiveCartsPage, AdminCartPage, AdminLayout, AdminOrderPage, EventsPage, LoginPage, OrdersPage,
    StaffPage,
};

/// One lazily loaded staff route showing `$page`.
macro_rules! lazy_staff_route {
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

lazy_staff_route!(
    /// `/admin/login`.
    StaffLogin => LoginPage
);
lazy_staff_route!(
    /// The frame of every `/admin` and `/events` page: header, session, live events.
    StaffFrame => AdminLayout
);
lazy_staff_route!(
    /// `/admin`: the active carts and the finder.
    StaffActiveCarts => ActiveCartsPage
);
lazy_staff_route!(
    /// `/admin/carts/:id`.
    StaffCart => AdminCartPage
);
lazy_staff_route!(
    /// `/admin/orders`.
    StaffOrders => OrdersPage
);
lazy_staff_route!(
    /// `/admin/orders/:number`.
    StaffOrder => AdminOrderPage
);
lazy_staff_route!(
    /// `/admin/staff`.
    StaffAccounts => StaffPage
);
lazy_staff_route!(
    /// `/events`: the relay's status.
    StaffEvents => EventsPage
);
