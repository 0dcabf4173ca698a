//! Anonymous storefront pages, rendered once and served from memory, already compressed.
//!
//! A visitor without a shopper session (every bot, every first visit) sees the same catalog
//! and product pages as every other such visitor: nothing in them is per-visitor. So those
//! pages are rendered once, compressed once (brotli and gzip), and answered from memory until
//! the catalog changes. What makes that safe:
//!
//! - **Nothing random in the page.** The CSP for these pages names the hashes of the page's
//!   own inline scripts instead of a per-request nonce (see [`crate::security_headers`]), and
//!   add-to-cart forms carry an idempotency key drawn per render and per product.
//! - **Invalidation by notification.** Product, price and stock changes are announced on
//!   `catalog_activity`; the hub's catalog epoch moves on each, and on every reconnect of the
//!   listener (notifications may have been missed). A page rendered at another epoch is never
//!   served, and while the listener is down nothing is cached at all.
//! - **Only what is the same for everyone.** GET or HEAD, no shopper cookie, `/` (optionally
//!   `?category=<slug>`) or `/products/<slug>`, a 200 that sets no cookie. Anything else goes
//!   to the normal handler, so a bot cannot fill memory with query strings.
//!
//! One request renders a missing page while the others wait for it (no stampede after a
//! price change), and a page is answered with a strong ETag so browsers revalidate cheaply.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::components::response_status::NOT_SHAREABLE_HEADER;
use app::server::realtime::Hub;
use app::server::shopper::CART_COOKIE;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_SECURITY_POLICY,
    CONTENT_TYPE, COOKIE, DATE, ETAG, IF_NONE_MATCH, SET_COOKIE, TRANSFER_ENCODING, VARY,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::sync::OnceCell;

use crate::security_headers::{self, PublicRender};
use crate::sessions::SHOPPER_COOKIE;

/// At most this many different pages are kept: the catalog and its products...
const MAX_PAGES: usize = 256;
/// ...of which at most this many category listings (any category name makes a page, so a
/// bot asking for made-up ones cannot take the products' places).
const MAX_CATEGORY_PAGES: usize = 32;
/// A rendered page is read whole into memory; one larger than this is an error (catalog
/// pages are tens of kilobytes).
const MAX_PAGE_BYTES: usize = 16 << 20;
/// A kept page is rendered again after this long even if no change was announced: the
/// backstop for a change the notifications missed (a TRUNCATE, a restore that skips
/// triggers, a LISTEN connection that died without saying so).
const MAX_AGE: Duration = Duration::from_secs(60);
/// Shared caches (a CDN, a proxy) may keep an anonymous page this long; browsers revalidate.
const SHARED_CACHE_CONTROL: &str = "public, max-age=0, s-maxage=5";
/// Says whether an answer came from memory, for operators and tests.
pub const CACHE_STATUS_HEADER: &str = "x-tandem-page-cache";

/// The pages kept, by path and query, each with the catalog epoch it was rendered at.
#[derive(Clone)]
pub struct PageCache {
    hub: Hub,
    slots: Arc<Mutex<HashMap<String, Arc<Slot>>>>,
}

struct Slot {
    epoch: u64,
    created: Instant,
    page: OnceCell<Option<Arc<CachedPage>>>,
}

impl Slot {
    fn is_current(&self, epoch: u64) -> bool {
        self.epoch == epoch && self.created.elapsed() < MAX_AGE
    }
}

/// One rendered page, in each encoding it is sent in, each with its own strong ETag.
struct CachedPage {
    headers: HeaderMap,
    etag: String,
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
}

impl PageCache {
    /// An empty cache whose pages live as long as `hub`'s catalog epoch stays where it was.
    pub fn new(hub: Hub) -> Self {
        Self {
            hub,
            slots: Arc::default(),
        }
    }

    /// The slot for `key` at `epoch`, replacing one from an older epoch or past its age;
    /// `None` when this request saw an older epoch than the kept page (it renders on its
    /// own) or when the cache is full of current pages.
    fn slot(&self, key: &str, epoch: u64) -> Option<Arc<Slot>> {
        let mut slots = self.slots.lock().expect("page cache lock");
        if let Some(slot) = slots.get(key) {
            if slot.is_current(epoch) {
                return Some(slot.clone());
            }
            if slot.epoch > epoch {
                return None;
            }
        }
        let is_category = key.contains('?');
        let full = |slots: &HashMap<String, Arc<Slot>>| {
            slots.len() >= MAX_PAGES
                || (is_category
                    && slots.keys().filter(|key| key.contains('?')).count() >= MAX_CATEGORY_PAGES)
        };
        if !slots.contains_key(key) && full(&slots) {
            slots.retain(|_, slot| slot.is_current(epoch));
            if full(&slots) {
                return None;
            }
        }
        let slot = Arc::new(Slot {
            epoch,
            created: Instant::now(),
            page: OnceCell::new(),
        });
        slots.insert(key.to_string(), slot.clone());
        Some(slot)
    }
}

impl PageCache {
    /// Drops `slot` from the cache if it is still the one kept for `key`.
    fn forget(&self, key: &str, slot: &Arc<Slot>) {
        let mut slots = self.slots.lock().expect("page cache lock");
        if slots.get(key).is_some_and(|kept| Arc::ptr_eq(kept, slot)) {
            slots.remove(key);
        }
    }
}

/// Middleware: answers anonymous catalog and product pages from the cache.
pub async fn serve_anonymous_pages(
    State(cache): State<PageCache>,
    request: Request,
    next: Next,
) -> Response {
    let Some(key) = cache_key(&request) else {
        return next.run(request).await;
    };
    if !cache.hub.is_listening() {
        // Without the listener a change could go unnoticed: render every time.
        return next.run(request).await;
    }
    let epoch = cache.hub.catalog_epoch();
    let Some(slot) = cache.slot(&key, epoch) else {
        return next.run(request).await;
    };
    let encoding = Encoding::preferred(request.headers());
    let if_none_match = request.headers().get(IF_NONE_MATCH).cloned();
    // The render that fills the slot is this request's own; if its answer cannot be kept
    // (a 404, a cookie set), it is still this request's answer.
    let mut own_answer = None;
    let mut pending = Some(request);
    let (own_answer_slot, pending_slot, render_next) =
        (&mut own_answer, &mut pending, next.clone());
    let (cache_ref, key_ref, slot_ref) = (&cache, &key, &slot);
    let page = slot
        .page
        .get_or_init(|| async move {
            let mut render = pending_slot.take().expect("only the first caller renders");
            // A HEAD fills the slot with the whole page (hyper drops the body for HEAD).
            *render.method_mut() = Method::GET;
            render.headers_mut().remove(ACCEPT_ENCODING);
            render.headers_mut().remove(IF_NONE_MATCH);
            render.extensions_mut().insert(PublicRender);
            match capture(render_next.run(render).await).await {
                Ok(page) => Some(Arc::new(page)),
                Err(answer) => {
                    // Not kept (a 404, an error shown, a cookie set): the slot goes, so the
                    // next request renders again and made-up addresses take no room.
                    cache_ref.forget(key_ref, slot_ref);
                    *own_answer_slot = Some(answer);
                    None
                }
            }
        })
        .await
        .clone();
    let rendered_here = pending.is_none();
    match (page, own_answer, pending) {
        (Some(page), _, _) => {
            let status = if rendered_here { "miss" } else { "hit" };
            page.answer(encoding, if_none_match.as_ref(), status)
        }
        (None, Some(answer), _) => answer,
        // Another request found this page cannot be kept: render this one normally.
        (None, None, Some(request)) => next.run(request).await,
        (None, None, None) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The cache key of a request whose answer is the same for every visitor without a shopper
/// session; `None` for every other request.
fn cache_key(request: &Request) -> Option<String> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return None;
    }
    if has_shopper_cookie(request.headers()) {
        return None;
    }
    let uri = request.uri();
    let path = uri.path();
    let page = path == "/" || path.strip_prefix("/products/").is_some_and(is_slug);
    if !page {
        return None;
    }
    match uri.query() {
        None | Some("") => Some(path.to_string()),
        Some(query) if path == "/" => query
            .strip_prefix("category=")
            .filter(|category| is_category(category))
            .map(|_| format!("/?{query}")),
        Some(_) => None,
    }
}

/// A shopper session, or the cart cookie that finds a cart again after the session expired:
/// either makes the page this shopper's own.
fn has_shopper_cookie(headers: &HeaderMap) -> bool {
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

fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 80
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Reads a rendered answer into a page that can be kept, or gives it back (with its CSP
/// filled in) when it cannot be.
async fn capture(answer: Response) -> Result<CachedPage, Response> {
    let (mut parts, body) = answer.into_parts();
    let is_html = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if !is_html || parts.headers.contains_key(CONTENT_ENCODING) {
        return Err(Response::from_parts(parts, body));
    }
    let identity = match axum::body::to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "reading a rendered page for the cache");
            return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
        }
    };
    let policy = security_headers::policy_for_inline_scripts(&identity);
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        parts.headers.insert(CONTENT_SECURITY_POLICY, policy);
    }
    let shows_an_error = parts.headers.remove(NOT_SHAREABLE_HEADER).is_some();
    let keep = parts.status == StatusCode::OK
        && !shows_an_error
        && !parts.headers.contains_key(SET_COOKIE);
    if !keep {
        // Not for a shared cache either.
        parts
            .headers
            .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    }
    if !keep {
        return Err(Response::from_parts(parts, Body::from(identity)));
    }
    let mut headers = parts.headers;
    for transient in [CONTENT_LENGTH, DATE, TRANSFER_ENCODING, VARY, CACHE_CONTROL] {
        headers.remove(transient);
    }
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static(SHARED_CACHE_CONTROL),
    );
    headers.insert(VARY, HeaderValue::from_static("accept-encoding, cookie"));
    let etag = security_headers::digest_hex(&identity);
    headers.remove(ETAG);
    let compressed = identity.clone();
    let (gzip, brotli) =
        tokio::task::spawn_blocking(move || (gzip(&compressed), brotli(&compressed)))
            .await
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())?;
    Ok(CachedPage {
        headers,
        etag,
        identity,
        gzip,
        brotli,
    })
}

fn gzip(bytes: &[u8]) -> Bytes {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory");
    Bytes::from(encoder.finish().expect("writing to memory"))
}

fn brotli(bytes: &[u8]) -> Bytes {
    // Quality 9: nearly the size of 11 at a small part of its time; a page is compressed
    // again after every catalog change.
    let params = brotli::enc::BrotliEncoderParams {
        quality: 9,
        lgwin: 22,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("writing to memory");
    Bytes::from(out)
}

/// The encodings a page is kept in.
#[derive(Clone, Copy)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// Brotli when accepted, else gzip, else none (`q=0` excludes).
    fn preferred(headers: &HeaderMap) -> Self {
        let accepted = |name: &str| {
            headers
                .get_all(ACCEPT_ENCODING)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .any(|item| {
                    let mut parts = item.split(';');
                    let coding = parts.next().unwrap_or("").trim();
                    let refused = parts.any(|param| {
                        let param = param.trim().replace(' ', "");
                        param == "q=0"
                            || param == "q=0.0"
                            || param == "q=0.00"
                            || param == "q=0.000"
                    });
                    coding.eq_ignore_ascii_case(name) && !refused
                })
        };
        if accepted("br") {
            Encoding::Brotli
        } else if accepted("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }
}

impl CachedPage {
    fn answer(
        &self,
        encoding: Encoding,
        if_none_match: Option<&HeaderValue>,
        status: &'static str,
    ) -> Response {
        let (body, coding, suffix) = match encoding {
            Encoding::Brotli => (&self.brotli, Some("br"), "-br"),
            Encoding::Gzip => (&self.gzip, Some("gzip"), "-gz"),
            Encoding::Identity => (&self.identity, None, ""),
        };
        // A strong validator per representation: each encoding is different bytes.
        let etag = HeaderValue::from_str(&format!("\"{}{suffix}\"", self.etag))
            .expect("hex is a valid header value");
        let mut response = if if_none_match.is_some_and(|tags| etag_matches(tags, &etag)) {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            let headers = response.headers_mut();
            headers.insert(
                CACHE_CONTROL,
                HeaderValue::from_static(SHARED_CACHE_CONTROL),
            );
            headers.insert(VARY, HeaderValue::from_static("accept-encoding, cookie"));
            response
        } else {
            let mut response = Response::new(Body::from(body.clone()));
            *response.headers_mut() = self.headers.clone();
            if let Some(coding) = coding {
                response
                    .headers_mut()
                    .insert(CONTENT_ENCODING, HeaderValue::from_static(coding));
            }
            response
        };
        let headers = response.headers_mut();
        headers.insert(ETAG, etag);
        headers.insert(
            HeaderName::from_static(CACHE_STATUS_HEADER),
            HeaderValue::from_static(status),
        );
        response
    }
}

fn etag_matches(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(tags) = if_none_match.to_str() else {
        return false;
    };
    let ours = etag.to_str().unwrap_or_default();
    tags.split(',')
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(uri: &str, cookie: Option<&str>) -> Request {
        let mut builder = Request::builder().uri(uri);
        if let Some(cookie) = cookie {
            builder = builder.header(COOKIE, cookie);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn only_the_catalog_and_product_pages_of_visitors_without_a_session_are_cached() {
        assert_eq!(cache_key(&get("/", None)).as_deref(), Some("/"));
        assert_eq!(
            cache_key(&get("/?category=helmets", Some("theme=dark"))).as_deref(),
            Some("/?category=helmets")
        );
        assert_eq!(
            cache_key(&get("/products/aero-road-helmet", None)).as_deref(),
            Some("/products/aero-road-helmet")
        );
        assert_eq!(cache_key(&get("/", Some("a=b; tandem_session=xyz"))), None);
        assert_eq!(cache_key(&get("/cart", None)), None);
        assert_eq!(cache_key(&get("/?utm=1", None)), None);
        assert_eq!(
            cache_key(&get("/?category=Bikes", None)).as_deref(),
            Some("/?category=Bikes")
        );
        assert_eq!(cache_key(&get("/?category=a%0Db&x=1", None)), None);
        assert_eq!(cache_key(&get("/", Some("tandem_cart=abc"))), None);
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
    fn pages_that_are_not_kept_take_no_room_and_made_up_categories_cannot_crowd_out_products() {
        let hub = Hub::new();
        let cache = PageCache::new(hub.clone());
        let epoch = hub.catalog_epoch();
        for n in 0..MAX_PAGES + 50 {
            let key = format!("/products/no-such-thing-{n}");
            let slot = cache
                .slot(&key, epoch)
                .expect("room for a page being rendered");
            cache.forget(&key, &slot);
        }
        for n in 0..MAX_CATEGORY_PAGES {
            assert!(cache
                .slot(&format!("/?category=Made-up-{n}"), epoch)
                .is_some());
        }
        assert!(cache.slot("/?category=One-too-many", epoch).is_none());
        assert!(cache.slot("/products/helmet-aero", epoch).is_some());
        // A request that saw an older epoch never replaces the page of a newer one.
        assert!(cache.slot("/products/helmet-aero", epoch + 1).is_some());
        assert!(cache.slot("/products/helmet-aero", epoch).is_none());
    }

    #[test]
    fn a_cookie_that_only_starts_like_the_shopper_cookie_does_not_count() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("tandem_session_x=1"));
        assert!(!has_shopper_cookie(&headers));
        headers.insert(COOKIE, HeaderValue::from_static("x=1;tandem_session=2"));
        assert!(has_shopper_cookie(&headers));
    }

    #[test]
    fn brotli_is_preferred_and_a_refused_encoding_is_not_used() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(ACCEPT_ENCODING, HeaderValue::from_static(value));
            Encoding::preferred(&headers)
        };
        assert!(matches!(with("gzip, deflate, br, zstd"), Encoding::Brotli));
        assert!(matches!(with("br;q=0, gzip"), Encoding::Gzip));
        assert!(matches!(with("identity"), Encoding::Identity));
        assert!(matches!(
            Encoding::preferred(&HeaderMap::new()),
            Encoding::Identity
        ));
    }

    #[test]
    fn an_etag_matches_itself_weakly_or_in_a_list() {
        let ours = HeaderValue::from_static("\"abc\"");
        assert!(etag_matches(
            &HeaderValue::from_static("\"x\", W/\"abc\""),
            &ours
        ));
        assert!(etag_matches(&HeaderValue::from_static("*"), &ours));
        assert!(!etag_matches(&HeaderValue::from_static("\"abd\""), &ours));
    }
}
