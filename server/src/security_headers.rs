//! Security headers on every response, and the Content-Security-Policy on pages.
//!
//! Each page gets a fresh nonce: it is put into the request for the Leptos render (which
//! writes it onto its hydration scripts) and into the page's CSP, which allows scripts only
//! with that nonce (and what they load, `'strict-dynamic'`), wasm compilation, and `'self'`
//! for everything else: the live websocket and event stream are same-origin.
//! `frame-ancestors` only works as a header (in a `<meta>` tag it is ignored with an error).

use axum::extract::Request;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore;

/// The nonce of the page being rendered for this request.
#[derive(Clone, Debug)]
pub struct PageNonce(pub String);

/// Middleware adding the headers.
pub async fn add_security_headers(mut request: Request, next: Next) -> Response {
    let nonce = new_nonce();
    request.extensions_mut().insert(PageNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    let is_page = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if is_page {
        if let Ok(policy) = HeaderValue::from_str(&content_security_policy(&nonce)) {
            headers.insert(CONTENT_SECURITY_POLICY, policy);
        }
    }
    response
}

/// The policy for a page whose scripts carry `nonce`.
pub fn content_security_policy(nonce: &str) -> String {
    // `cargo leptos watch` reloads pages through a websocket on its own port.
    let reload = if std::env::var_os("LEPTOS_WATCH").is_some() {
        " ws:"
    } else {
        ""
    };
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{reload}; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
