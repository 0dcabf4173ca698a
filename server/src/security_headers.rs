//! Security headers on every response, and the Content-Security-Policy on pages.
//!
//! Each page gets a fresh nonce: it is put into the request for the Leptos render (which
//! writes it onto its hydration scripts) and into the page's CSP, which allows scripts only
//! with that nonce (and what they load, `'strict-dynamic'`), wasm compilation, and `'self'`
//! for everything else: the live websocket and event stream are same-origin.
//! `frame-ancestors` only works as a header (in a `<meta>` tag it is ignored with an error).

use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The nonce of the page being rendered for this request.
#[derive(Clone, Debug)]
pub struct PageNonce(pub String);

/// Marks a render whose page is kept and served to every visitor without a session
/// ([`crate::page_cache`]): it gets no nonce, and the cache gives it a policy naming the
/// hashes of its inline scripts instead.
#[derive(Clone, Copy, Debug)]
pub struct PublicRender;

/// Middleware adding the headers.
pub async fn add_security_headers(mut request: Request, next: Next) -> Response {
    let public = request.extensions().get::<PublicRender>().is_some();
    let nonce = new_nonce();
    if !public {
        request.extensions_mut().insert(PageNonce(nonce.clone()));
    }
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
    if is_page && !public {
        if let Ok(policy) = HeaderValue::from_str(&content_security_policy(&nonce)) {
            headers.insert(CONTENT_SECURITY_POLICY, policy);
        }
        // A page rendered for a session is that visitor's alone: never kept by a shared
        // cache, and revalidated by the browser (no-cache keeps the back/forward cache).
        if !headers.contains_key(CACHE_CONTROL) {
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
        }
    }
    response
}

/// The policy for a page whose scripts carry `nonce`.
pub fn content_security_policy(nonce: &str) -> String {
    policy_with_scripts(&format!("'nonce-{nonce}' 'strict-dynamic'"))
}

/// The policy for a page served to many visitors ([`PublicRender`]): its inline scripts
/// (the hydration bootstrap, serialized resources) are allowed by their SHA-256 hashes,
/// and the scripts they load by `'self'`, which serves only this build's own files (no
/// visitor uploads; product pictures are SVG images, refused as scripts by `nosniff`).
/// Nothing in such a page is written by a visitor, so there is nothing to inject into.
pub fn policy_for_inline_scripts(html: &[u8]) -> String {
    let mut sources = String::from("'self'");
    for script in inline_scripts(html) {
        let digest = Sha256::digest(script);
        sources.push_str(&format!(" 'sha256-{}'", BASE64.encode(digest)));
    }
    policy_with_scripts(&sources)
}

/// Lower-case hex SHA-256 of `bytes`, truncated to 32 digits (an ETag, not a signature).
pub fn digest_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The contents of every `<script>` without a `src` in `html`, in order.
fn inline_scripts(html: &[u8]) -> Vec<&[u8]> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = find(rest, b"<script") {
        let after_name = &rest[start + b"<script".len()..];
        let Some(tag_end) = find(after_name, b">") else {
            break;
        };
        let attributes = &after_name[..tag_end];
        let body = &after_name[tag_end + 1..];
        let Some(close) = find(body, b"</script>") else {
            break;
        };
        if find(attributes, b"src=").is_none() {
            scripts.push(&body[..close]);
        }
        rest = &body[close..];
    }
    scripts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn policy_with_scripts(script_sources: &str) -> String {
    // `cargo leptos watch` reloads pages through a websocket on its own port.
    let reload = if std::env::var_os("LEPTOS_WATCH").is_some() {
        " ws:"
    } else {
        ""
    };
    format!(
        "default-src 'self'; script-src {script_sources} 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{reload}; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_policy_names_the_hash_of_each_inline_script_and_not_external_ones() {
        let html =
            b"<head><script type=\"module\">init()</script><script src=\"/pkg/a.js\"></script>\
                     </head><body><script>__RESOLVED=1</script></body>";
        assert_eq!(
            inline_scripts(html),
            vec![&b"init()"[..], &b"__RESOLVED=1"[..]]
        );
        let policy = policy_for_inline_scripts(html);
        let expected = BASE64.encode(Sha256::digest(b"init()"));
        assert!(policy.contains(&format!("script-src 'self' 'sha256-{expected}' 'sha256-")));
        assert!(!policy.contains("nonce"));
        assert!(policy.contains("frame-ancestors 'none'"));
    }
}
