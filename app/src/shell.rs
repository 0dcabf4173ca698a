//! The HTML document and the top-level component with its routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

use crate::components::assist::AssistPanel;
use crate::components::cart_state::{provide_cart_state, CartNotice};
use crate::components::header::SiteHeader;
use crate::pages::lazy::{
    ShopCart, ShopCheckout, ShopOpenLink, ShopOrder, ShopProduct, StaffAccounts, StaffActiveCarts,
    StaffCart, StaffEvents, StaffFrame, StaffLogin, StaffOrder, StaffOrders,
};
use crate::pages::{CatalogPage, NotFoundPage};

/// The whole document, rendered on the server around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
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
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The application: storefront and admin pages under one router.
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
                // Every page but the catalog loads its code when opened (pages::lazy).
                <Route path=path!("/admin/login") view={Lazy::<StaffLogin>::new()} ssr=SsrMode::Async/>
                <ParentRoute path=path!("/admin") view={Lazy::<StaffFrame>::new()} ssr=SsrMode::Async>
                    <Route path=path!("") view={Lazy::<StaffActiveCarts>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("carts/:id") view={Lazy::<StaffCart>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("orders") view={Lazy::<StaffOrders>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("orders/:number") view={Lazy::<StaffOrder>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("staff") view={Lazy::<StaffAccounts>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
                <ParentRoute path=path!("/events") view={Lazy::<StaffFrame>::new()} ssr=SsrMode::Async>
                    <Route path=path!("") view={Lazy::<StaffEvents>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
                <ParentRoute path=path!("") view=Storefront ssr=SsrMode::Async>
                    <Route path=path!("/") view=CatalogPage ssr=SsrMode::Async/>
                    <Route path=path!("/products/:slug") view={Lazy::<ShopProduct>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/cart") view={Lazy::<ShopCart>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/cart/open") view={Lazy::<ShopOpenLink>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/checkout") view={Lazy::<ShopCheckout>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/orders/:number") view={Lazy::<ShopOrder>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The storefront frame. Inside the router, because a no-JavaScript form post reports its
/// outcome in the URL and the cart state reads it from there.
#[component]
fn Storefront() -> impl IntoView {
    provide_cart_state();
    view! {
        <SiteHeader/>
        <main id="main">
            <CartNotice/>
            <AssistPanel/>
            <Outlet/>
        </main>
    }
}
