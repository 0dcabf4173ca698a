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
//! - after hydration, the link the visitor last followed is opened as a normal page load,
//!   which the server renders whole (and whose hydration, if the chunk still cannot be had,
//!   falls under the first case: no reload loop).

use std::cell::{Cell, RefCell};

use wasm_bindgen::prelude::wasm_bindgen;

thread_local! {
    static HYDRATED: Cell<bool> = const { Cell::new(false) };
    static LAST_LINK: RefCell<Option<String>> = const { RefCell::new(None) };
}

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
        if let Some(link) = link {
            LAST_LINK.with_borrow_mut(|last| *last = Some(link));
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
        let Some(location) = web_sys::window().map(|window| window.location()) else {
            return;
        };
        let target = LAST_LINK
            .with_borrow_mut(Option::take)
            .or_else(|| location.href().ok());
        if let Some(target) = target {
            let _ = location.assign(&target);
        }
    }));
}
