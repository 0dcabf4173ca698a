//! `GET /api/cart/live`: the shopper's own live channel, as server-sent events.
//!
//! Authorised by the shopper's session or cart cookie, never by an id in the URL, and scoped
//! to that one cart. A browser without a cart gets 204 (EventSource then stops asking), and
//! crawlers, which do not run JavaScript, never open it: it costs nothing until a shopper
//! with a cart has a page open. While it is open the shopper counts as "on the site" for reps.
//! The stream subscribes to its own cart in the hub's per-cart index: other carts' events
//! never wake it.

use std::convert::Infallible;
use std::time::Duration;

use app::model::live::{is_presence, CartActivity, ShopperEvent};
use app::server::realtime::hub::CartSubscription;
use app::server::realtime::CartEvent;
use app::server::{presence, shopper, AppState};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures::stream::{self, Stream};

/// How often the presence mark is refreshed while the stream is open.
const PRESENCE_REFRESH: Duration = Duration::from_secs(15);

/// Opens the stream for the requesting shopper's cart.
pub async fn cart_live(Extension(state): Extension<AppState>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let cart_id = match shopper::cart_of(&parts, &state).await {
        Ok(Some(cart_id)) => cart_id,
        Ok(None) => return StatusCode::NO_CONTENT.into_response(),
        Err(error) => return (error.status(), error.to_string()).into_response(),
    };
    presence::shopper_here(&state, cart_id).await;
    let events = state.hub.subscribe_cart(cart_id);
    Sse::new(cart_events(state, cart_id, events))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response()
}

/// Ends the shopper's presence when the stream is dropped (tab closed, network gone).
struct Presence {
    state: AppState,
    cart_id: i64,
}

impl Drop for Presence {
    fn drop(&mut self) {
        metrics::gauge!("tandem_live_sockets", "kind" => "event_stream").decrement(1.0);
        let state = self.state.clone();
        let cart_id = self.cart_id;
        tokio::spawn(async move { presence::shopper_left(&state, cart_id).await });
    }
}

/// Whether the cart is still active; `true` when the database cannot say (the stream then
/// carries on).
async fn cart_is_active(state: &AppState, cart_id: i64) -> bool {
    sqlx::query_scalar::<_, bool>("select status = 'active' from cart where cart_id = $1")
        .bind(cart_id)
        .fetch_optional(&state.db)
        .await
        .map_or(true, |active| active.unwrap_or(false))
}

/// The event as the shopper's page reads it: for a rep's change, with what the rep did in
/// the shopper's words (`model::live::ShopperEvent`).
async fn for_shopper(state: &AppState, payload: &str) -> String {
    let Some(activity) = serde_json::from_str::<CartActivity>(payload).ok() else {
        return payload.to_string();
    };
    let by_rep = activity.op.starts_with("rep_") && !is_presence(&activity.op);
    let (message, product_id) = if by_rep {
        match app::server::db::rep::for_shopper(&state.db, activity.cart_id, activity.version).await
        {
            Ok(Some((message, product_id))) => (Some(message), product_id),
            Ok(None) => (None, None),
            Err(error) => {
                tracing::warn!(%error, "could not describe a rep's change for the shopper");
                (None, None)
            }
        }
    } else {
        (None, None)
    };
    let event = ShopperEvent {
        activity,
        message,
        product_id,
    };
    serde_json::to_string(&event).unwrap_or_else(|_| payload.to_string())
}

fn cart_events(
    state: AppState,
    cart_id: i64,
    events: CartSubscription,
) -> impl Stream<Item = Result<Event, Infallible>> {
    metrics::gauge!("tandem_live_sockets", "kind" => "event_stream").increment(1.0);
    let presence = Presence { state, cart_id };
    let refresh = tokio::time::interval_at(
        tokio::time::Instant::now() + PRESENCE_REFRESH,
        PRESENCE_REFRESH,
    );
    stream::unfold(
        (events, refresh, presence),
        move |(mut events, mut refresh, presence)| async move {
            loop {
                tokio::select! {
                    // Shutting down: the stream ends, and EventSource reconnects elsewhere.
                    () = presence.state.shutdown.cancelled() => return None,
                    event = events.recv() => {
                        let out = match event {
                            // The cart was ordered or closed: nothing more to stream.
                            Some(CartEvent::Activity { active: false, .. }) => return None,
                            Some(CartEvent::Activity { payload, .. }) => {
                                Event::default()
                                    .event("cart")
                                    .data(for_shopper(&presence.state, &payload).await)
                            }
                            Some(CartEvent::Resync) => {
                                // Events were missed, the cart's closing perhaps among them.
                                if !cart_is_active(&presence.state, presence.cart_id).await {
                                    return None;
                                }
                                Event::default().event("resync").data("{}")
                            }
                            None => return None,
                        };
                        return Some((Ok(out), (events, refresh, presence)));
                    }
                    _ = refresh.tick() => {
                        presence::shopper_here(&presence.state, presence.cart_id).await;
                    }
                }
            }
        },
    )
}
