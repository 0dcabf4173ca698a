//! Session layers. Shoppers' sessions live in Redis under the `tandem_session` cookie.
//! tower-sessions hands every layer's session out as the same `Session` type, so each layer
//! is followed by a middleware that renames it to its own type: code asking for a
//! `ShopperSession` can never be handed a staff session or the other way round.

use app::server::redis_store::RedisSessionStore;
use app::server::shopper::ShopperSession;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

/// Name of the shopper session cookie.
pub const SHOPPER_COOKIE: &str = "tandem_session";

/// Shopper sessions: Redis, a week of inactivity before they expire.
pub fn shopper_layer(
    store: RedisSessionStore,
    secure: bool,
) -> SessionManagerLayer<RedisSessionStore> {
    SessionManagerLayer::new(store)
        .with_name(SHOPPER_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(7)))
}

/// Moves the session the shopper layer just attached into a [`ShopperSession`].
pub async fn expose_shopper_session(mut request: Request, next: Next) -> Response {
    if let Some(session) = request.extensions_mut().remove::<Session>() {
        request.extensions_mut().insert(ShopperSession(session));
    }
    next.run(request).await
}
