//! The page-cache stamp: a cookie set to a new random value whenever what a shopper's pages
//! show has just changed through their own request.
//!
//! A shopper's kept page is keyed by their cookies, so a new stamp means a new key: the next
//! page is rendered afresh, whichever process answers it and whether or not that process has
//! heard of the change yet. Set on every plain form post (no JavaScript) answered with a
//! redirect, which carries a one-time notice even when it changed nothing, and on every
//! successful call of a function that changes what the shopper's pages show
//! ([`app::api::changes_shopper_pages`]). Not on reads, which every page load makes.

use axum::extract::{Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore;

/// The stamp cookie's name.
pub const STAMP_COOKIE: &str = "tandem_form";

/// Middleware for the shopper's server functions (`/api/*`); `secure_cookies` adds `Secure`.
pub async fn stamp_changes(
    State(secure_cookies): State<bool>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let is_shopper_call = request.method() == Method::POST && path.starts_with("/api/");
    let changes_pages = app::api::changes_shopper_pages(path);
    let mut response = next.run(request).await;
    let status = response.status();
    let stamp =
        is_shopper_call && (status.is_redirection() || (changes_pages && status.is_success()));
    if stamp {
        let mut bytes = [0u8; 8];
        rand::thread_rng().fill_bytes(&mut bytes);
        let value: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        let secure = if secure_cookies { "; Secure" } else { "" };
        let cookie = format!("{STAMP_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{secure}");
        if let Ok(cookie) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, cookie);
        }
    }
    response
}
