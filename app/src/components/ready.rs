//! When the browser's code has taken over the page: end-to-end tests wait for
//! `window.__tandemHydrated`, and a panic before it leaves the server's page alone.

use std::cell::Cell;

thread_local! {
    static READY: Cell<bool> = const { Cell::new(false) };
}

/// The islands that say when the page is ready ([`mark_ready`]) once they have hydrated:
/// the cart's, whose code is fetched first (`#[island(lazy)]`), and the staff console,
/// which is the whole page.
pub const SELF_READY_ISLANDS: [&str; 2] = ["StaffConsole", "CartShown"];

/// Whether this page has one of [`SELF_READY_ISLANDS`].
pub fn has_self_ready_island() -> bool {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return false;
    };
    SELF_READY_ISLANDS.iter().any(|name| {
        document
            .query_selector(&format!("leptos-island[data-component^='{name}_']"))
            .ok()
            .flatten()
            .is_some()
    })
}

/// Marks the page as taken over.
pub fn mark_ready() {
    READY.set(true);
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::set(
            &window,
            &wasm_bindgen::JsValue::from_str("__tandemHydrated"),
            &wasm_bindgen::JsValue::TRUE,
        );
    }
}

/// Whether [`mark_ready`] was called on this page.
pub fn is_ready() -> bool {
    READY.get()
}
