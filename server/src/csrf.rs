//! Cross-site request refusal. Every state-changing request (anything but GET/HEAD/OPTIONS)
//! and every websocket upgrade must come from this site: browsers say so in `Sec-Fetch-Site`,
//! and older ones in `Origin`. Requests with neither header are not from a browser page
//! (curl, server-to-server) and cannot carry a victim's cookies by accident, so they pass.

use std::sync::Arc;

use app::server::Config;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Middleware refusing cross-site state changes with 403.
pub async fn refuse_cross_site(
    State(config): State<Arc<Config>>,
    request: Request,
    next: Next,
) -> Response {
    let changes_state = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let is_upgrade = request.headers().contains_key(header::UPGRADE);
    if (changes_state || is_upgrade) && !is_same_site(request.headers(), &config) {
        tracing::warn!(
            method = %request.method(),
            path = %request.uri().path(),
            origin = ?request.headers().get(header::ORIGIN),
            "refused a cross-site request"
        );
        return (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response();
    }
    next.run(request).await
}

/// Whether the request says it comes from a page of this site (or from no page at all).
pub fn is_same_site(headers: &HeaderMap, config: &Config) -> bool {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match text("origin") {
        None => true,
        Some(origin) => origin_is_ours(origin, text("host"), config),
    }
}

fn origin_is_ours(origin: &str, host: Option<&str>, config: &Config) -> bool {
    if let Some(public) = &config.public_origin {
        return origin == public;
    }
    // No configured origin: the site is whatever host the browser asked for.
    let Some(host) = host else {
        return false;
    };
    origin == format!("http://{host}") || origin == format!("https://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn config() -> Config {
        Config::from_lookup(|_| None).unwrap()
    }

    #[test]
    fn same_origin_fetches_and_form_posts_pass() {
        assert!(is_same_site(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &config()
        ));
        assert!(is_same_site(
            &headers(&[("origin", "http://shop.test"), ("host", "shop.test")]),
            &config()
        ));
        assert!(is_same_site(&headers(&[]), &config()), "not a browser");
    }

    #[test]
    fn cross_site_requests_are_refused() {
        assert!(!is_same_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &config()
        ));
        assert!(!is_same_site(
            &headers(&[("sec-fetch-site", "same-site")]),
            &config()
        ));
        assert!(!is_same_site(
            &headers(&[("origin", "http://evil.test"), ("host", "shop.test")]),
            &config()
        ));
    }

    #[test]
    fn a_configured_public_origin_is_the_only_one_accepted() {
        let config = Config::from_lookup(|name| {
            (name == "APP_PUBLIC_ORIGIN").then(|| "https://shop.example.com".to_string())
        })
        .unwrap();
        let ok = headers(&[
            ("origin", "https://shop.example.com"),
            ("host", "internal:3000"),
        ]);
        let spoofed = headers(&[
            ("origin", "http://internal:3000"),
            ("host", "internal:3000"),
        ]);
        assert!(is_same_site(&ok, &config));
        assert!(!is_same_site(&spoofed, &config));
    }
}
