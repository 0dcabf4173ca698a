//! Which requests may be answered with a kept page, and under what key.
//!
//! Only GET or HEAD of `/` (optionally `?category=<name>`) or `/products/<slug>`. A visitor
//! without a shopper cookie gets the page kept for everyone; a shopper (session or cart
//! cookie) gets a page kept for their browser alone, keyed by their whole `Cookie` header:
//! it holds their secret session and cart tokens, so nobody else can name their page, and
//! any cookie that changes (a new cart, a form post's stamp) makes it a new page.

use app::model::text::is_slug;
use app::server::shopper::CART_COOKIE;
use axum::extract::Request;
use axum::http::header::COOKIE;
use axum::http::{HeaderMap, Method};

use crate::sessions::SHOPPER_COOKIE;

/// A `Cookie` header longer than this is not used as a key (real ones are about 200 bytes).
const MAX_COOKIE_KEY: usize = 2048;

/// Whom a kept page is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Audience {
    /// Every visitor without a shopper cookie.
    Everyone,
    /// One browser, by its `Cookie` header exactly as sent.
    Visitor(String),
}

/// A kept page's key: the page (path and query) and whom it is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct PageKey {
    pub(super) page: String,
    pub(super) audience: Audience,
}

impl PageKey {
    /// A category listing (any category name makes one, so they are counted apart).
    pub(super) fn is_category(&self) -> bool {
        self.page.contains('?')
    }

    pub(super) fn is_for_everyone(&self) -> bool {
        self.audience == Audience::Everyone
    }
}

/// The key of a request that may be answered with a kept page; `None` for all others.
pub(super) fn cache_key(request: &Request) -> Option<PageKey> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return None;
    }
    let uri = request.uri();
    let path = uri.path();
    let page = path == "/" || path.strip_prefix("/products/").is_some_and(is_slug);
    if !page {
        return None;
    }
    let page = match uri.query() {
        None | Some("") => path.to_string(),
        Some(query) if path == "/" => query
            .strip_prefix("category=")
            .filter(|category| is_category(category))
            .map(|_| format!("/?{query}"))?,
        Some(_) => return None,
    };
    let audience = if has_shopper_cookie(request.headers()) {
        Audience::Visitor(cookie_header(request.headers()).filter(|c| c.len() <= MAX_COOKIE_KEY)?)
    } else {
        Audience::Everyone
    };
    Some(PageKey { page, audience })
}

/// All `Cookie` headers as one (HTTP/2 may send several).
fn cookie_header(headers: &HeaderMap) -> Option<String> {
    let parts: Vec<&str> = headers
        .get_all(COOKIE)
        .iter()
        .map(|value| value.to_str().ok())
        .collect::<Option<_>>()?;
    Some(parts.join("; "))
}

/// A shopper session, or the cart cookie that finds a cart again after the session expired:
/// either makes the page this shopper's own.
pub(super) fn has_shopper_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .any(|cookie| {
            let cookie = cookie.trim_start();
            [SHOPPER_COOKIE, CART_COOKIE].iter().any(|name| {
                cookie
                    .strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('='))
            })
        })
}

/// A category as the catalog links to it (`Bikes`, `Tools%20%26%20Care`): letters, digits
/// and URL escapes, nothing that could mean something else.
fn is_category(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 120
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'%' | b'+'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::HeaderValue;

    fn get(uri: &str, cookie: Option<&str>) -> Request {
        let mut builder = Request::builder().uri(uri);
        if let Some(cookie) = cookie {
            builder = builder.header(COOKIE, cookie);
        }
        builder.body(Body::empty()).unwrap()
    }

    fn for_everyone(page: &str) -> Option<PageKey> {
        Some(PageKey {
            page: page.to_string(),
            audience: Audience::Everyone,
        })
    }

    #[test]
    fn only_the_catalog_and_product_pages_are_kept() {
        assert_eq!(cache_key(&get("/", None)), for_everyone("/"));
        assert_eq!(
            cache_key(&get("/?category=helmets", Some("theme=dark"))),
            for_everyone("/?category=helmets")
        );
        assert_eq!(
            cache_key(&get("/products/aero-road-helmet", None)),
            for_everyone("/products/aero-road-helmet")
        );
        assert_eq!(cache_key(&get("/cart", None)), None);
        assert_eq!(cache_key(&get("/cart", Some("tandem_session=x"))), None);
        assert_eq!(cache_key(&get("/?utm=1", None)), None);
        assert_eq!(
            cache_key(&get("/?category=Bikes", None)),
            for_everyone("/?category=Bikes")
        );
        assert_eq!(cache_key(&get("/?category=a%0Db&x=1", None)), None);
        assert_eq!(cache_key(&get("/products/a/b", None)), None);
        assert_eq!(cache_key(&get("/products/", None)), None);
        let post = Request::builder()
            .method(Method::POST)
            .uri("/")
            .body(Body::empty())
            .unwrap();
        assert_eq!(cache_key(&post), None);
    }

    #[test]
    fn a_shopper_s_page_is_kept_for_their_cookies_alone() {
        let key = |cookie| cache_key(&get("/", Some(cookie))).map(|key| key.audience);
        assert_eq!(
            key("a=b; tandem_session=xyz"),
            Some(Audience::Visitor("a=b; tandem_session=xyz".into()))
        );
        assert_eq!(
            key("tandem_cart=abc"),
            Some(Audience::Visitor("tandem_cart=abc".into()))
        );
        assert_ne!(key("tandem_cart=abc"), key("tandem_cart=abd"));
        let huge = format!("tandem_session=x; junk={}", "j".repeat(MAX_COOKIE_KEY));
        assert_eq!(cache_key(&get("/", Some(&huge))), None);
    }

    #[test]
    fn a_cookie_that_only_starts_like_the_shopper_cookie_does_not_count() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("tandem_session_x=1"));
        assert!(!has_shopper_cookie(&headers));
        headers.insert(COOKIE, HeaderValue::from_static("x=1;tandem_session=2"));
        assert!(has_shopper_cookie(&headers));
    }
}
