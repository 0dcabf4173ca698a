//! The staff console: every staff page in one island, whose code is compiled into a wasm
//! of its own (`frontend` with the `console` feature, built by `build_console_bundle` in
//! `scripts/lib.sh`), so a shopper's download holds none of it, not even its constant data
//! (which splitting a single wasm leaves in the main module). Staff pages load that wasm
//! instead of the shopper's (`shell`).
//!
//! The island holds its own router: staff pages navigate on the client, load their data
//! and keep the live link open across pages, as a single-page app. A link out of the
//! console (to the storefront) is loaded from the server as a whole page.

use leptos::prelude::*;
use leptos_meta::provide_meta_context;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

use super::{
    ActiveCartsPage, AdminCartPage, AdminLayout, AdminOrderPage, EventsPage, LoginPage, OrdersPage,
    StaffPage,
};

/// Every `/admin` page and `/events`. Only the server and the console's wasm have it.
#[cfg(any(feature = "ssr", feature = "csr", feature = "console"))]
#[island]
pub fn StaffConsole() -> impl IntoView {
    provide_meta_context();
    // The page is the console: it is ready when the console has hydrated.
    #[cfg(feature = "hydrate")]
    Effect::new(|_| crate::components::ready::mark_ready());
    view! {
        <Router>
            <Routes fallback=LeaveConsole>
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

/// An address the console does not show (a storefront page): the console's router has
/// already moved to it, so the browser loads it from the server.
#[component]
fn LeaveConsole() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    });
}
