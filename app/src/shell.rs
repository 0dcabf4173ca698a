//! The HTML document and the top-level component with its routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::cart_state::{provide_cart_state, CartNotice};
use crate::components::header::SiteHeader;
use crate::pages::{CartPage, CatalogPage, NotFoundPage, ProductPage};

/// The whole document, rendered on the server around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
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
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/tandem.css"/>
        <Title text="Tandem Cycles"/>
        <Router>
            <Storefront/>
        </Router>
    }
}

/// Inside the router, because a failed no-JavaScript form post reports its error in the
/// URL and the router is what reads it back into the cart actions.
#[component]
fn Storefront() -> impl IntoView {
    provide_cart_state();
    view! {
        <SiteHeader/>
        <main id="main">
            <CartNotice/>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=CatalogPage/>
                // Rendered whole before answering, so a missing product is a real 404.
                <Route path=path!("/products/:slug") view=ProductPage ssr=SsrMode::Async/>
                <Route path=path!("/cart") view=CartPage/>
            </Routes>
        </main>
    }
}
