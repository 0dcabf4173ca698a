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
    let staff_page = is_staff_page();
    #[cfg(not(feature = "ssr"))]
    let staff_page = false;
    #[cfg(feature = "ssr")]
    let scripts = if staff_page {
        crate::server::console_bundle::hydration_options(&options)
    } else {
        options.clone()
    };
    #[cfg(not(feature = "ssr"))]
    let scripts = options.clone();
    #[cfg(feature = "ssr")]
    let split_loader = (!staff_page).then(|| PreloadSplitLoader(&options));
    #[cfg(not(feature = "ssr"))]
    let split_loader = ();
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
                <HydrateAtOnce/>
                <HydrationScripts options=scripts islands=true/>
                {staff_page.then(ConsoleKeepsItsResources)}
                {split_loader}
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
        .is_some_and(|url| crate::pages::admin::console::is_console_path(url.path()))
}

/// Leptos' islands script starts hydrating when the browser is next idle
/// (`requestIdleCallback`, with no time limit): on a slow phone, with the page still being
/// laid out and drawn, that came 300 ms after the page was parsed, the catalog's add-to-cart
/// buttons doing nothing meanwhile. This script, run just before it (module scripts run in
/// order), makes that one wait end at once.
#[component]
fn HydrateAtOnce() -> impl IntoView {
    // No `<`, `>` or `&`: the text is written into the page as it is.
    const SCRIPT: &str = "const idle = window.requestIdleCallback; if (idle) { \
        window.requestIdleCallback = function (run) { window.requestIdleCallback = idle; \
        run(); return 0; }; }";
    let nonce = leptos::nonce::use_nonce();
    view! { <script type="module" nonce=nonce>{SCRIPT}</script> }
}

/// The shopper's js imports the wasm-split loader ([`crate::server::split_loader`]): named
/// here, the browser fetches it with the js rather than once the js has been parsed (on a
/// phone's CPU, 100–300 ms later). Leptos names it itself only on pages with a lazy island.
#[cfg(feature = "ssr")]
#[allow(non_snake_case)]
fn PreloadSplitLoader(options: &LeptosOptions) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    crate::server::split_loader::href(options)
        .map(|href| view! { <link rel="modulepreload" href=href crossorigin="" nonce=nonce/> })
}

/// Resources and islands. The browser numbers the resources it makes in order and reads
/// the one the server wrote into the page under the same number; the server numbers, and
/// writes, only those made while its render is marked as hydrating. Leptos' islands script
/// unmarks the rest of the document and each island marks its own synchronous render, so:
/// - on storefront pages, the frame's resources (made as it starts) are written and read
///   back; the pages' own data, made on the server only, is not written (whenever it is
///   made); and no island inside a page makes a resource: each is handed what it shows as
///   props (`CartShown`, whose code arrives after the frame's resources are already read);
/// - a staff page is the console alone, whose pages make resources while a `Suspense`
///   resolves, after the island's synchronous render: there the render stays marked
///   throughout (this component, placed after the script), so the console's resources are
///   all written, in the order the browser makes them.
#[allow(non_snake_case)]
fn ConsoleKeepsItsResources() -> impl IntoView {
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
