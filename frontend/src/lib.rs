//! The browser entry point: hydrates the server-rendered page with the same `app::App`.
//!
//! This crate is compiled only to wasm; everything it renders lives in `app`. Pages hydrate
//! as islands (see `app::shell::App`): the storefront's frame and the islands inside it at
//! once, the staff console once its code (split out of this module) has arrived. With the
//! `csr` feature (used by `trunk serve`, see Trunk.toml) it mounts the app client-side
//! instead.
//!
//! In Leptos 0.8 a chunk that fails to load (a dropped connection, a deploy that replaced
//! the files) panics the whole module, so a panic is turned into something a visitor can
//! live with:
//! - during hydration the page is left as the server rendered it: it works as it does
//!   without JavaScript (links navigate, forms post);
//! - after hydration, the link the visitor just followed (clicked within the last 10 s, on
//!   this site) or else this page is opened as a normal page load, which the server renders
//!   whole; if that page's hydration cannot get its chunk either, it falls under the first
//!   case. At most one such load per 30 s (kept in sessionStorage), so a panic that recurs
//!   after every hydration cannot reload forever.

use std::cell::RefCell;

#[cfg(feature = "hydrate")]
use app::components::ready::{has_self_ready_island, is_ready, mark_ready};
use wasm_bindgen::prelude::wasm_bindgen;

thread_local! {
    /// The last same-site link clicked, and when (ms since the epoch).
    static LAST_LINK: RefCell<Option<(String, f64)>> = const { RefCell::new(None) };
}

/// A clicked link older than this is not what the visitor is waiting for.
#[cfg(feature = "hydrate")]
const LINK_FRESH_MS: f64 = 10_000.0;
/// At most one recovery load in this long.
#[cfg(feature = "hydrate")]
const RECOVERY_INTERVAL_MS: f64 = 30_000.0;
#[cfg(feature = "hydrate")]
const RECOVERY_KEY: &str = "tandem-recovered-at";

/// Called by the islands script of every server-rendered page, before it hydrates the
/// page's islands.
#[cfg(feature = "hydrate")]
#[wasm_bindgen]
pub fn hydrate() {
    use wasm_bindgen::prelude::Closure;
    use wasm_bindgen::JsCast;

    install_panic_recovery();
    leptos::mount::hydrate_islands();
    // The script hydrates the islands right after this returns, each in a microtask of its
    // own, so a task queued now runs once they all are. An island whose code is fetched
    // first, or that is the whole page, says so itself when it has hydrated.
    if !has_self_ready_island() {
        let ready = Closure::once_into_js(mark_ready);
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback(ready.unchecked_ref());
        }
    }
}

/// Entry point of the client-only build that `trunk serve` runs.
#[cfg(feature = "csr")]
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
    app::components::ready::mark_ready();
}

/// Remembers the link each click follows (before the router takes it over), and on a panic
/// after hydration opens it, or this page, as a normal page load.
#[cfg(feature = "hydrate")]
fn install_panic_recovery() {
    use wasm_bindgen::prelude::Closure;
    use wasm_bindgen::JsCast;

    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let remember = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        let link = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("a[href]").ok().flatten())
            .and_then(|anchor| anchor.dyn_into::<web_sys::HtmlAnchorElement>().ok())
            .map(|anchor| anchor.href());
        let origin = web_sys::window().and_then(|window| window.location().origin().ok());
        if let (Some(link), Some(origin)) = (link, origin) {
            // Only pages of this site: not tel:, mailto: or elsewhere.
            if link.starts_with(&format!("{origin}/")) {
                LAST_LINK.with_borrow_mut(|last| *last = Some((link, js_sys::Date::now())));
            }
        }
    });
    let capture = web_sys::AddEventListenerOptions::new();
    capture.set_capture(true);
    let _ = document.add_event_listener_with_callback_and_add_event_listener_options(
        "click",
        remember.as_ref().unchecked_ref(),
        &capture,
    );
    remember.forget();
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if !is_ready() {
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        let now = js_sys::Date::now();
        let storage = window.session_storage().ok().flatten();
        let recovered_at = storage
            .as_ref()
            .and_then(|storage| storage.get_item(RECOVERY_KEY).ok().flatten())
            .and_then(|at| at.parse::<u64>().ok());
        // Whole milliseconds as integers: float formatting and parsing would add kilobytes
        // of wasm to every shopper's download.
        if recovered_at.is_some_and(|at| now - (at as f64) < RECOVERY_INTERVAL_MS) {
            return;
        }
        if let Some(storage) = storage {
            let _ = storage.set_item(RECOVERY_KEY, &(now as u64).to_string());
        }
        let location = window.location();
        let target = LAST_LINK
            .with_borrow_mut(Option::take)
            .filter(|(_, clicked)| now - clicked < LINK_FRESH_MS)
            .map(|(link, _)| link)
            .or_else(|| location.href().ok());
        if let Some(target) = target {
            let _ = location.assign(&target);
        }
    }));
}
