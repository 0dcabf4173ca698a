//! The browser entry point: hydrates the server-rendered page with the same `app::App`.
//!
//! This crate is compiled only to wasm; everything it renders lives in `app`. With the `csr`
//! feature (used by `trunk serve`, see Trunk.toml) it mounts the app client-side instead.
//!
//! Pages past the catalog load their code when opened (`app::pages::lazy`). In Leptos 0.8 a
//! chunk that fails to load (a dropped connection, a deploy that replaced the files) panics
//! the whole module, so a panic is turned into something a shopper can live with:
//! - during hydration the page is left as the server rendered it: it works as it does
//!   without JavaScript (links navigate, forms post);
//! - after hydration, the link the visitor just followed (clicked within the last 10 s, on
//!   this site) or else this page is opened as a normal page load, which the server renders
//!   whole; if that page's hydration cannot get its chunk either, it falls under the first
//!   case. At most one such load per 30 s (kept in sessionStorage), so a panic that recurs
//!   after every hydration cannot reload forever.

use std::cell::{Cell, RefCell};

use wasm_bindgen::prelude::wasm_bindgen;

thread_local! {
    static HYDRATED: Cell<bool> = const { Cell::new(false) };
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

/// Called by the script cargo-leptos puts in every server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen]
pub fn hydrate() {
    install_panic_recovery();
    // Like `leptos::mount::hydrate_lazy`: the code of a lazily loaded route on this page is
    // fetched before hydrating, and only then is the page marked ready.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let body = leptos::prelude::document()
            .body()
            .expect("a server-rendered page has a body");
        let owner = leptos::mount::hydrate_from_async(body, app::App).await;
        owner.forget();
        mark_ready();
    });
}

/// Entry point of the client-only build that `trunk serve` runs.
#[cfg(feature = "csr")]
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
    mark_ready();
}

/// Lets end-to-end tests wait for the client to take over: `window.__tandemHydrated`.
fn mark_ready() {
    HYDRATED.set(true);
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::set(
            &window,
            &wasm_bindgen::JsValue::from_str("__tandemHydrated"),
            &wasm_bindgen::JsValue::TRUE,
        );
    }
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
        if !HYDRATED.get() {
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
