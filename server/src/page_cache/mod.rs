//! Storefront pages rendered once and served from memory, already compressed.
//!
//! **For everyone.** A visitor without a shopper session (every bot, every first visit) sees
//! the same catalog and product pages as every other such visitor: nothing in them is
//! per-visitor. So those pages are rendered once, compressed once (brotli and gzip), and
//! answered from memory until the catalog changes.
//!
//! **For one shopper.** A shopper with a cart sees the same catalog with their own badge,
//! help code and cart. Their page is kept for their browser alone (keyed by its cookies,
//! see [`key`]) until their cart or the catalog changes, for at most [`VISITOR_MAX_AGE`].
//!
//! What makes that safe:
//!
//! - **Nothing random in the page.** The CSP for these pages names the hashes of the page's
//!   own inline scripts instead of a per-request nonce (see [`crate::security_headers`]), and
//!   add-to-cart forms carry an idempotency key drawn per render and per product.
//! - **Invalidation by notification.** Product, price and stock changes are announced on
//!   `catalog_activity`; the hub's catalog epoch moves on each, and on every reconnect of the
//!   listener (notifications may have been missed). Cart changes (items, discounts, links, a
//!   rep arriving) are announced on `cart_activity` and tick the hub's cart clock. A page
//!   rendered at another epoch, or whose cart changed since, is never served, and while the
//!   listener is down nothing is kept at all.
//! - **Only what can be kept.** A 200 that sets no cookie and shows no one-time notice or
//!   error; for a shopper, a page that shows their cart, rendered while Redis answered. A
//!   form post, or a call that changes what the shopper's pages show, gives the browser a
//!   new stamp cookie ([`stamp`]), so the next page is never one kept from before, whichever
//!   process kept it. Anything else goes to the normal handler, so a bot cannot fill memory
//!   with query strings.
//!
//! One request renders a missing page while the others wait for it (no stampede after a
//! price change), and a page is answered with a strong ETag so browsers revalidate cheaply.

mod kept_page;
mod key;
pub mod stamp;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::components::response_status::INTERNAL_HEADERS;
use app::server::realtime::Hub;
use app::server::redis_health::RedisHealth;
use axum::extract::{Request, State};
use axum::http::header::{ACCEPT_ENCODING, IF_NONE_MATCH};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::OnceCell;

use self::kept_page::{capture, CachedPage, Encoding, Sharing};
use self::key::{cache_key, PageKey};
use crate::render_deadline;
use crate::security_headers::PublicRender;

/// At most this many different pages are kept for everyone: the catalog and its products...
const MAX_PAGES: usize = 256;
/// ...of which at most this many category listings (any category name makes a page, so a
/// bot asking for made-up ones cannot take the products' places).
const MAX_CATEGORY_PAGES: usize = 32;
/// Shoppers' own pages kept at most (each about 35 KB in its three encodings)...
const MAX_VISITOR_PAGES: usize = 1024;
/// ...and at most this many for any one cart (its catalog, categories and products).
const MAX_PAGES_PER_CART: usize = 16;
/// A page kept for everyone is rendered again after this long even if no change was
/// announced: the backstop for a change the notifications missed (a restore that skips
/// triggers, a LISTEN connection that died without saying so).
const MAX_AGE: Duration = Duration::from_secs(60);
/// A shopper's page is rendered again after this long: besides missed notifications, some of
/// what it shows ages without an announcement (a rep's presence running out, a discount's
/// end date passing).
const VISITOR_MAX_AGE: Duration = Duration::from_secs(30);
/// Says whether an answer came from memory, for operators and tests.
pub const CACHE_STATUS_HEADER: &str = "x-tandem-page-cache";

/// The pages kept, by page and audience, each with the catalog epoch it was rendered at.
#[derive(Clone)]
pub struct PageCache {
    hub: Hub,
    redis_health: RedisHealth,
    slots: Arc<Mutex<HashMap<PageKey, Arc<Slot>>>>,
}

struct Slot {
    epoch: u64,
    /// The cart clock's tick before the page was rendered.
    cart_tick: u64,
    created: Instant,
    max_age: Duration,
    page: OnceCell<Filled>,
}

/// What filling a slot came to.
enum Filled {
    Kept(Arc<CachedPage>),
    /// The page cannot be kept (a 404, a notice, a cookie set): each request renders its own.
    NotKept,
    /// The render failed (a 5xx, a stalled render cut off): those who waited for it are told
    /// to try again rather than each starting the same failing render.
    Failed,
}

impl Slot {
    fn is_current(&self, epoch: u64, hub: &Hub) -> bool {
        let cart_unchanged = match self.page.get() {
            Some(Filled::Kept(page)) => self.shows_current_cart(page, hub),
            _ => true,
        };
        self.epoch == epoch && self.created.elapsed() < self.max_age && cart_unchanged
    }

    /// Whether the cart `page` shows has not changed since this slot's render began.
    fn shows_current_cart(&self, page: &CachedPage, hub: &Hub) -> bool {
        page.cart
            .is_none_or(|cart| hub.cart_clock().unchanged_since(cart, self.cart_tick))
    }
}

impl PageCache {
    /// An empty cache whose pages live as long as `hub`'s catalog epoch stays where it was
    /// (and, for a shopper's page, their cart clock). Shoppers' pages read their session and
    /// presence from Redis: none is kept while `redis_health` says it is failing.
    pub fn new(hub: Hub, redis_health: RedisHealth) -> Self {
        Self {
            hub,
            redis_health,
            slots: Arc::default(),
        }
    }

    /// Whether a freshly rendered shopper's page may be kept: Redis answered throughout (a
    /// page rendered without it lacks the rep's presence and the shopper's notice), and the
    /// cart has fewer than [`MAX_PAGES_PER_CART`] pages kept (one cart under ever-changing
    /// extra cookies cannot take every shopper's room).
    fn may_keep_for_visitor(&self, page: &CachedPage) -> bool {
        if self.redis_health.is_down() {
            return false;
        }
        let slots = self.slots.lock().expect("page cache lock");
        let of_same_cart = slots
            .values()
            .filter(|slot| {
                matches!(slot.page.get(), Some(Filled::Kept(kept)) if kept.cart == page.cart)
            })
            .count();
        of_same_cart < MAX_PAGES_PER_CART
    }

    /// The slot for `key` at `epoch`, replacing one from an older epoch, past its age or
    /// showing a cart that changed since; `None` when this request saw an older epoch than
    /// the kept page (it renders on its own) or when the cache is full of current pages.
    fn slot(&self, key: &PageKey, epoch: u64) -> Option<Arc<Slot>> {
        let mut slots = self.slots.lock().expect("page cache lock");
        if let Some(slot) = slots.get(key) {
            if slot.is_current(epoch, &self.hub) {
                return Some(slot.clone());
            }
            if slot.epoch > epoch {
                return None;
            }
        }
        let full = |slots: &HashMap<PageKey, Arc<Slot>>| {
            let alike = |other: &&PageKey| other.is_for_everyone() == key.is_for_everyone();
            let count = slots.keys().filter(alike).count();
            if !key.is_for_everyone() {
                return count >= MAX_VISITOR_PAGES;
            }
            count >= MAX_PAGES
                || (key.is_category()
                    && slots
                        .keys()
                        .filter(|other| other.is_for_everyone() && other.is_category())
                        .count()
                        >= MAX_CATEGORY_PAGES)
        };
        if !slots.contains_key(key) && full(&slots) {
            slots.retain(|_, slot| slot.is_current(epoch, &self.hub));
            if full(&slots) {
                return None;
            }
        }
        let slot = Arc::new(Slot {
            epoch,
            cart_tick: self.hub.cart_clock().now(),
            created: Instant::now(),
            max_age: if key.is_for_everyone() {
                MAX_AGE
            } else {
                VISITOR_MAX_AGE
            },
            page: OnceCell::new(),
        });
        slots.insert(key.clone(), slot.clone());
        Some(slot)
    }

    /// Drops `slot` from the cache if it is still the one kept for `key`.
    fn forget(&self, key: &PageKey, slot: &Arc<Slot>) {
        let mut slots = self.slots.lock().expect("page cache lock");
        if slots.get(key).is_some_and(|kept| Arc::ptr_eq(kept, slot)) {
            slots.remove(key);
        }
    }
}

/// Middleware: answers catalog and product pages from the cache.
pub async fn serve_kept_pages(
    State(cache): State<PageCache>,
    request: Request,
    next: Next,
) -> Response {
    let Some(key) = cache_key(&request) else {
        return without_internal_headers(next.run(request).await);
    };
    if !cache.hub.is_listening() {
        // Without the listener a change could go unnoticed: render every time.
        return without_internal_headers(next.run(request).await);
    }
    let epoch = cache.hub.catalog_epoch();
    let Some(slot) = cache.slot(&key, epoch) else {
        return without_internal_headers(next.run(request).await);
    };
    let sharing = if key.is_for_everyone() {
        Sharing::Everyone
    } else {
        Sharing::OneVisitor
    };
    if sharing == Sharing::OneVisitor && cache.redis_health.is_down() {
        return without_internal_headers(next.run(request).await);
    }
    let encoding = Encoding::preferred(request.headers());
    let if_none_match = request.headers().get(IF_NONE_MATCH).cloned();
    // The render that fills the slot is this request's own; if its answer cannot be kept
    // (a 404, a cookie set), it is still this request's answer.
    let mut own_answer = None;
    let mut pending = Some(request);
    let (own_answer_slot, pending_slot, render_next) =
        (&mut own_answer, &mut pending, next.clone());
    let (cache_ref, key_ref, slot_ref) = (&cache, &key, &slot);
    let filled = slot
        .page
        .get_or_init(|| async move {
            let mut render = pending_slot.take().expect("only the first caller renders");
            // A HEAD fills the slot with the whole page (hyper drops the body for HEAD).
            *render.method_mut() = Method::GET;
            render.headers_mut().remove(ACCEPT_ENCODING);
            render.headers_mut().remove(IF_NONE_MATCH);
            render.extensions_mut().insert(PublicRender);
            let outcome = match capture(render_next.run(render).await, sharing).await {
                Ok(page)
                    if sharing == Sharing::Everyone || cache_ref.may_keep_for_visitor(&page) =>
                {
                    return Filled::Kept(Arc::new(page));
                }
                Ok(page) => {
                    *own_answer_slot = Some(page.answer(encoding, None, None));
                    Filled::NotKept
                }
                Err(answer) => {
                    let failed = answer.status().is_server_error();
                    *own_answer_slot = Some(answer);
                    if failed {
                        Filled::Failed
                    } else {
                        Filled::NotKept
                    }
                }
            };
            // Not kept: the slot goes, so the next request renders again and made-up
            // addresses take no room.
            cache_ref.forget(key_ref, slot_ref);
            outcome
        })
        .await;
    let rendered_here = pending.is_none();
    match (filled, own_answer, pending) {
        // This request joined a render begun before its cart changed: it renders its own.
        (Filled::Kept(page), _, Some(request)) if !slot.shows_current_cart(page, &cache.hub) => {
            without_internal_headers(next.run(request).await)
        }
        (Filled::Kept(page), _, _) => {
            let status = if rendered_here { "miss" } else { "hit" };
            page.answer(encoding, if_none_match.as_ref(), Some(status))
        }
        (_, Some(answer), _) => without_internal_headers(answer),
        // The render this request waited for failed: say so now rather than render again.
        (Filled::Failed, None, _) => render_deadline::try_again_soon(),
        // Another request found this page cannot be kept: render this one normally.
        (Filled::NotKept, None, Some(request)) => without_internal_headers(next.run(request).await),
        (_, None, None) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Takes off what the app says only to this cache (which cart a page showed, whether it may
/// be kept).
fn without_internal_headers(mut response: Response) -> Response {
    for name in INTERNAL_HEADERS {
        response.headers_mut().remove(name);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(page: &str) -> PageKey {
        PageKey {
            page: page.to_string(),
            audience: key::Audience::Everyone,
        }
    }

    #[test]
    fn pages_that_are_not_kept_take_no_room_and_made_up_categories_cannot_crowd_out_products() {
        let hub = Hub::new();
        let cache = PageCache::new(hub.clone(), RedisHealth::default());
        let epoch = hub.catalog_epoch();
        for n in 0..MAX_PAGES + 50 {
            let key = page(&format!("/products/no-such-thing-{n}"));
            let slot = cache
                .slot(&key, epoch)
                .expect("room for a page being rendered");
            cache.forget(&key, &slot);
        }
        for n in 0..MAX_CATEGORY_PAGES {
            assert!(cache
                .slot(&page(&format!("/?category=Made-up-{n}")), epoch)
                .is_some());
        }
        assert!(cache
            .slot(&page("/?category=One-too-many"), epoch)
            .is_none());
        assert!(cache.slot(&page("/products/helmet-aero"), epoch).is_some());
        // A request that saw an older epoch never replaces the page of a newer one.
        assert!(cache
            .slot(&page("/products/helmet-aero"), epoch + 1)
            .is_some());
        assert!(cache.slot(&page("/products/helmet-aero"), epoch).is_none());
    }

    /// A rendered shopper's page showing `cart`, as the cache reads it.
    async fn shoppers_page(cart: i64) -> Arc<CachedPage> {
        let rendered = Response::builder()
            .header("content-type", "text/html; charset=utf-8")
            .header(app::components::response_status::PAGE_CART_HEADER, cart)
            .body(axum::body::Body::from(
                "<html><body>your cart</body></html>",
            ))
            .unwrap();
        Arc::new(
            capture(rendered, Sharing::OneVisitor)
                .await
                .unwrap_or_else(|_| panic!("a shopper's page showing their cart can be kept")),
        )
    }

    fn visitor(cookies: &str) -> PageKey {
        PageKey {
            page: "/".into(),
            audience: key::Audience::Visitor(cookies.into()),
        }
    }

    #[tokio::test]
    async fn one_cart_under_ever_new_cookies_keeps_at_most_sixteen_pages() {
        let hub = Hub::new();
        let cache = PageCache::new(hub.clone(), RedisHealth::default());
        let epoch = hub.catalog_epoch();
        let page_of_cart_7 = shoppers_page(7).await;
        for n in 0..MAX_PAGES_PER_CART {
            assert!(cache.may_keep_for_visitor(&page_of_cart_7), "page {n}");
            let slot = cache
                .slot(&visitor(&format!("cart=7; junk={n}")), epoch)
                .unwrap();
            assert!(slot.page.set(Filled::Kept(page_of_cart_7.clone())).is_ok());
        }
        assert!(
            !cache.may_keep_for_visitor(&page_of_cart_7),
            "a seventeenth page of the same cart is not kept"
        );
        assert!(
            cache.may_keep_for_visitor(&*shoppers_page(8).await),
            "another shopper's cart still has room"
        );
    }

    #[tokio::test]
    async fn nothing_is_kept_for_a_shopper_while_redis_fails() {
        let hub = Hub::new();
        let redis_health = RedisHealth::default();
        let cache = PageCache::new(hub, redis_health.clone());
        let page = shoppers_page(7).await;
        assert!(cache.may_keep_for_visitor(&page));
        let failure = redis_health
            .run(async {
                Err::<(), _>(fred::error::Error::new(
                    fred::error::ErrorKind::IO,
                    "connection refused",
                ))
            })
            .await;
        assert!(failure.is_err());
        assert!(
            !cache.may_keep_for_visitor(&page),
            "a page rendered without Redis lacks the rep's presence and the shopper's notice"
        );
    }

    #[test]
    fn shoppers_pages_have_room_of_their_own() {
        let hub = Hub::new();
        let cache = PageCache::new(hub.clone(), RedisHealth::default());
        let epoch = hub.catalog_epoch();
        for n in 0..MAX_VISITOR_PAGES {
            let key = PageKey {
                page: "/".into(),
                audience: key::Audience::Visitor(format!("tandem_session={n}")),
            };
            assert!(cache.slot(&key, epoch).is_some());
        }
        let one_more = PageKey {
            page: "/".into(),
            audience: key::Audience::Visitor("tandem_session=late".into()),
        };
        assert!(
            cache.slot(&one_more, epoch).is_none(),
            "shoppers' room is full"
        );
        assert!(
            cache.slot(&page("/"), epoch).is_some(),
            "the page for everyone still has room"
        );
    }
}
