//! Session layers.
//!
//! Shoppers: Redis (fred), cookie `tandem_session`, path `/`, a week of inactivity.
//! Staff: Postgres tables, cookie `tandem_staff`, path `/admin` (mirrored to `/events` for
//! the live relay), 30 minutes idle and 12 hours absolute by default.
//!
//! tower-sessions hands every layer's session out as the same `Session` type, so each layer
//! is followed by a middleware that renames it to its own type: code asking for a
//! `ShopperSession` can never be handed a staff session or the other way round.

use std::time::Duration;

use app::error::AppError;
use app::server::redis_store::RedisSessionStore;
use app::server::shopper::ShopperSession;
use app::server::staff::StaffSession;
use app::server::Config;
use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, SET_COOKIE};
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tower_sessions::cookie::SameSite;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

/// Name of the shopper session cookie.
pub const SHOPPER_COOKIE: &str = "tandem_session";
/// Name of the staff session cookie.
pub const STAFF_COOKIE: &str = "tandem_staff";
/// Where the staff cookie is sent: the admin pages and their server functions...
const STAFF_COOKIE_PATH: &str = "/admin";
/// ...and the live event relay, which gets a copy of the same cookie.
const STAFF_EVENTS_PATH: &str = "/events";

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

/// Creates the staff session table if needed and starts the sweeper of expired sessions,
/// which stops with `shutdown`.
pub async fn staff_store(db: PgPool, shutdown: CancellationToken) -> anyhow::Result<PostgresStore> {
    let store = PostgresStore::new(db)
        .with_schema_name("tower_sessions")
        .map_err(anyhow::Error::msg)?
        .with_table_name("staff_session")
        .map_err(anyhow::Error::msg)?;
    store.migrate().await?;
    let sweeper = store.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = shutdown.cancelled() => {}
            swept = sweeper.continuously_delete_expired(Duration::from_secs(300)) => {
                if let Err(error) = swept {
                    tracing::error!(%error, "staff session sweeper stopped");
                }
            }
        }
    });
    Ok(store)
}

/// Staff sessions: Postgres, strict cookie, idle expiry (the absolute limit is checked by
/// `app::server::staff::signed_in`).
pub fn staff_layer(store: PostgresStore, config: &Config) -> SessionManagerLayer<PostgresStore> {
    let idle = time::Duration::seconds(config.staff_idle_timeout.as_secs() as i64);
    SessionManagerLayer::new(store)
        .with_name(STAFF_COOKIE)
        .with_path(STAFF_COOKIE_PATH)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(idle))
}

/// Moves the session the shopper layer just attached into a [`ShopperSession`].
pub async fn expose_shopper_session(mut request: Request, next: Next) -> Response {
    if let Some(session) = request.extensions_mut().remove::<Session>() {
        request.extensions_mut().insert(ShopperSession(session));
    }
    next.run(request).await
}

/// Moves the session the staff layer just attached into a [`StaffSession`].
pub async fn expose_staff_session(mut request: Request, next: Next) -> Response {
    if let Some(session) = request.extensions_mut().remove::<Session>() {
        request.extensions_mut().insert(StaffSession(session));
    }
    next.run(request).await
}

/// Copies every staff cookie a response sets (or clears) to the `/events` path as well.
/// Layered outside the staff session layer, which adds its cookie on the way out.
pub async fn mirror_staff_cookie(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    add_events_copies(&mut response);
    response
}

fn add_events_copies(response: &mut Response) {
    let admin_path = format!("Path={STAFF_COOKIE_PATH}");
    let copies: Vec<HeaderValue> = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter(|cookie| cookie.starts_with(&format!("{STAFF_COOKIE}=")))
        .filter(|cookie| cookie.contains(&admin_path))
        .filter_map(|cookie| {
            let events = cookie.replace(&admin_path, &format!("Path={STAFF_EVENTS_PATH}"));
            HeaderValue::from_str(&events).ok()
        })
        .collect();
    for copy in copies {
        response.headers_mut().append(SET_COOKIE, copy);
    }
}

/// A session store that cannot be written makes tower-sessions answer an empty 500 after the
/// handler ran. Said plainly instead: the store is briefly unavailable (503), in the shape
/// server-function callers read.
pub async fn explain_store_failure(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let empty_failure = response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && !response.headers().contains_key(CONTENT_TYPE);
    if !empty_failure {
        return response;
    }
    let error = AppError::Unavailable;
    (
        error.status(),
        [(CONTENT_TYPE, "application/json")],
        serde_json::to_string(&error).unwrap_or_default(),
    )
        .into_response()
}
