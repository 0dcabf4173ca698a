//! The browser entry point: hydrates the server-rendered page with the same `app::App`.
//!
//! This crate is compiled only to wasm; everything it renders lives in `app`. With the `csr`
//! feature (used by `trunk serve`, see Trunk.toml) it mounts the app client-side instead.

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the script cargo-leptos puts in every server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Like `leptos::mount::hydrate_lazy`: the code of a lazily loaded staff route on this
    // page is fetched before hydrating, and only then is the page marked ready.
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
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::set(
            &window,
            &wasm_bindgen::JsValue::from_str("__tandemHydrated"),
            &wasm_bindgen::JsValue::TRUE,
        );
    }
}
