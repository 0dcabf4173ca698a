//! The HTML document and the top-level component with its routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::shopper_frame::ShopperFrame;
use crate::pages::admin::StaffConsole;
use crate::pages::{
    CartPage, CatalogPage, CheckoutPage, NotFoundPage, OpenLinkPage, OrderPage, ProductPage,
};

/// The whole document, rendered on the server around [`App`]. Staff pages load the staff
/// console's wasm, every other page the shopper's.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let scripts = if is_staff_page() {
        crate::server::console_bundle::hydration_options(&options)
    } else {
        options.clone()
    };
    #[cfg(not(feature = "ssr"))]
    let scripts = options.clone();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // The stylesheet's name carries its content hash (cargo-leptos `hash-files`).
                <HashedStylesheet options=options.clone() id="leptos"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options=scripts islands=true/>
                <IslandsKeepTheirResources/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Whether the page being rendered is one of the staff console's ([`StaffConsole`]).
#[cfg(feature = "ssr")]
fn is_staff_page() -> bool {
    use_context::<leptos_router::location::RequestUrl>()
        .and_then(|url| url.parse().ok())
        .is_some_and(|url| {
            let path = url.path();
            ["/admin", "/events"].iter().any(|staff| {
                path.strip_prefix(staff)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
        })
}

/// Leptos' islands script marks the rest of the render as not hydrating, so that resources
/// made from then on are not written into the page: meant for the server's HTML between
/// islands. But an island's resources made while a `Suspense` resolves (after the island's
/// own render has returned, as the cart page's help line and most staff pages do) would
/// then be missing from the page, and the browser, which numbers resources in the order it
/// makes them, would read the wrong ones. So the render goes on as hydrating: the server's
/// HTML inside an island's children is rendered as not hydrating by Leptos itself, and that
/// is where every storefront page makes its resources (synchronously, at its top).
#[component]
fn IslandsKeepTheirResources() -> impl IntoView {
    if let Some(shared) = Owner::current_shared_context() {
        shared.set_is_hydrating(true);
    }
}

/// The application: storefront and admin pages under one router, on the server.
///
/// The browser runs only the pages' islands (Leptos islands mode): the storefront is
/// rendered here and its interactive parts ([`ShopperFrame`] and the islands inside it)
/// hydrate, so a shopper downloads none of the router and none of the pages. The staff
/// console is one island, loaded when a rep opens it, holding its own router: staff pages
/// navigate on the client as before.
///
/// Every page is rendered whole before the server answers (`SsrMode::Async`): storefront
/// pages must be complete without JavaScript (out-of-order streaming needs it), a missing
/// product must be a real 404, and an admin page without a session must be a real redirect.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Tandem Cycles"/>
        <Router>
            <Routes fallback=NotFoundPage>
                // Every staff address is the console; its own router picks the page.
                <Route path=path!("/admin/login") view=StaffConsole ssr=SsrMode::Async/>
                <Route path=path!("/admin") view=StaffConsole ssr=SsrMode::Async/>
                <Route path=path!("/admin/carts/:id") view=StaffConsole ssr=SsrMode::Async/>
                <Route path=path!("/admin/orders") view=StaffConsole ssr=SsrMode::Async/>
                <Route path=path!("/admin/orders/:number") view=StaffConsole ssr=SsrMode::Async/>
                <Route path=path!("/admin/staff") view=StaffConsole ssr=SsrMode::Async/>
                <Route path=path!("/events") view=StaffConsole ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=Storefront ssr=SsrMode::Async>
                    <Route path=path!("/") view=CatalogPage ssr=SsrMode::Async/>
                    <Route path=path!("/products/:slug") view=ProductPage ssr=SsrMode::Async/>
                    <Route path=path!("/cart") view=CartPage ssr=SsrMode::Async/>
                    <Route path=path!("/cart/open") view=OpenLinkPage ssr=SsrMode::Async/>
                    <Route path=path!("/checkout") view=CheckoutPage ssr=SsrMode::Async/>
                    <Route path=path!("/orders/:number") view=OrderPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The storefront frame around the page the router picked.
#[component]
fn Storefront() -> impl IntoView {
    view! {
        <ShopperFrame>
            <Outlet/>
        </ShopperFrame>
    }
}
