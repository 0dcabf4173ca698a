//! The staff console: every staff page in one island, whose code is compiled into a wasm
//! of its own (`frontend` with the `console` feature, built by `build_console_bundle` in
//! `scripts/lib.sh`), so a shopper's download holds none of it, not even its constant data
//! (which splitting a single wasm leaves in the main module). Staff pages load that wasm
//! instead of the shopper's (`shell`).
//!
//! The island holds its own router: staff pages navigate on the client, load their data
//! and keep the live link open across pages, as a single-page app. A link out of the
//! console (to the storefront) is left to the browser: a page load, as any link between
//! the storefront's pages.

use leptos::prelude::*;
use leptos_meta::provide_meta_context;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

use super::{
    ActiveCartsPage, AdminCartPage, AdminLayout, AdminOrderPage, EventsPage, LoginPage, OrdersPage,
    StaffPage,
};
use crate::pages::NotFoundPage;

/// The addresses the console shows: `/admin…` and `/events…`.
pub fn is_console_path(path: &str) -> bool {
    ["/admin", "/events"].iter().any(|console| {
        path.strip_prefix(console)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Every `/admin` page and `/events`. Only the server and the console's wasm have it.
#[cfg(any(feature = "ssr", feature = "csr", feature = "console"))]
#[island]
pub fn StaffConsole() -> impl IntoView {
    provide_meta_context();
    // The page is the console: it is ready when the console has hydrated.
    #[cfg(feature = "hydrate")]
    Effect::new(|_| crate::components::ready::mark_ready());
    #[cfg(feature = "hydrate")]
    leave_by_page_load();
    view! {
        <Router>
            // An address under /admin that is no page (typed or pasted).
            <Routes fallback=NotFoundPage>
                <Route path=path!("/admin/login") view=LoginPage/>
                <ParentRoute path=path!("/admin") view=AdminLayout>
                    <Route path=path!("") view=ActiveCartsPage/>
                    <Route path=path!("carts/:id") view=AdminCartPage/>
                    <Route path=path!("orders") view=OrdersPage/>
                    <Route path=path!("orders/:number") view=AdminOrderPage/>
                    <Route path=path!("staff") view=StaffPage/>
                </ParentRoute>
                <ParentRoute path=path!("/events") view=AdminLayout>
                    <Route path=path!("") view=EventsPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Links out of the console are followed by the browser, not by the console's router:
/// caught before the router's own listener (on the window, as the event bubbles) and kept
/// from it. Going back then loads the console page again, as after any page load.
#[cfg(feature = "hydrate")]
fn leave_by_page_load() {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let Some(window) = web_sys::window() else {
        return;
    };
    let origin = window.location().origin().ok();
    let keep_from_router = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
        let anchor = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("a[href]").ok().flatten())
            .and_then(|anchor| anchor.dyn_into::<web_sys::HtmlAnchorElement>().ok());
        if let Some(anchor) = anchor {
            let same_site = origin.as_deref() == Some(anchor.origin().as_str());
            if same_site && !is_console_path(&anchor.pathname()) {
                event.stop_propagation();
            }
        }
    });
    let _ = window.add_event_listener_with_callback_and_bool(
        "click",
        keep_from_router.as_ref().unchecked_ref(),
        true,
    );
    // For as long as the page.
    keep_from_router.forget();
}

#[cfg(test)]
mod tests {
    use super::is_console_path;

    #[test]
    fn the_console_shows_admin_and_events_addresses_and_nothing_else() {
        for path in [
            "/admin",
            "/admin/",
            "/admin/carts/7",
            "/events",
            "/events/io",
        ] {
            assert!(is_console_path(path), "{path}");
        }
        for path in [
            "/",
            "/cart",
            "/administrator",
            "/eventsx",
            "/products/admin",
        ] {
            assert!(!is_console_path(path), "{path}");
        }
    }
}
