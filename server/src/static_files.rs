//! The built site's files under `/pkg` (wasm, js, css), sent as they were compressed at
//! build time (brotli at its highest quality, gzip -9: `scripts/lib.sh` `build_release`).
//!
//! A file whose name carries a content hash (`tandem.3f9c….wasm`, from cargo-leptos
//! `hash-files`) never changes under that name: browsers and proxies may keep it for a year
//! without asking again. Any other file is revalidated on each use.

use axum::extract::Request;
use axum::http::header::CACHE_CONTROL;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tower_http::services::ServeDir;

/// Serves `dir` (the site's `pkg` directory), precompressed files first.
pub fn pkg(dir: &str) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(middleware::from_fn(set_caching))
}

async fn set_caching(request: Request, next: Next) -> Response {
    let immutable = has_content_hash(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() {
        let caching = if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(caching));
    }
    response
}

/// `name.<hash>.ext`: a middle part of at least 8 letters and digits.
fn has_content_hash(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let parts: Vec<&str> = file.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1].iter().any(|part| {
            part.len() >= 8
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::has_content_hash;

    #[test]
    fn only_files_named_with_a_content_hash_are_immutable() {
        assert!(has_content_hash("/tandem.Kx3b9QzP1a.wasm"));
        assert!(has_content_hash("/tandem.Kx3b9QzP1a.css"));
        assert!(!has_content_hash("/tandem.wasm"));
        assert!(!has_content_hash("/tandem_bg.wasm"));
        assert!(!has_content_hash("/a.b.css"));
    }
}
