//! The process's single LISTEN connection.
//!
//! It always listens, from start to shutdown, rather than only while someone subscribes:
//! LISTEN costs Postgres nothing when nobody notifies, there is no race between the first
//! subscriber and the LISTEN taking effect, and the shopper live view uses the same stream.
//! The connection is made directly (not borrowed from the pool) so it never competes with
//! queries. When it drops or errors, events may have been missed while it was down, so every
//! subscriber is told to resync after it is back.

use std::time::Duration;

use sqlx::postgres::PgListener;

use super::hub::{Event, Hub, StaffNotice};

/// The channel the cart triggers notify.
pub const CHANNEL: &str = "cart_activity";
/// The channel staff changes and ended sessions are announced on.
pub const STAFF_CHANNEL: &str = "staff_activity";

/// Runs forever: relays every notification on [`CHANNEL`] to `hub`.
pub async fn run(database_url: String, hub: Hub) {
    let mut backoff = Duration::from_millis(100);
    let mut lost_events = false;
    loop {
        match listen(&database_url).await {
            Ok(mut listener) => {
                backoff = Duration::from_millis(100);
                tracing::info!("listening for {CHANNEL}");
                // Only now, with LISTEN in force again: a client refetching on this resync
                // sees every change made while we were away, and hears every later one.
                if lost_events {
                    hub.publish(Event::resync("listener_reconnected"));
                }
                let reason = relay(&mut listener, &hub).await;
                tracing::warn!(%reason, "lost the {CHANNEL} listener; reconnecting");
                lost_events = true;
            }
            Err(error) => {
                tracing::warn!(%error, "could not listen for {CHANNEL}; retrying");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

async fn listen(database_url: &str) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect(database_url).await?;
    listener.listen_all([CHANNEL, STAFF_CHANNEL]).await?;
    Ok(listener)
}

/// Relays until the connection is lost; returns why.
async fn relay(listener: &mut PgListener, hub: &Hub) -> String {
    loop {
        // try_recv, not recv: recv would silently reconnect and hide the gap.
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                let payload = notification.payload();
                let event = if notification.channel() == STAFF_CHANNEL {
                    StaffNotice::from_notification(payload).map(Event::Staff)
                } else {
                    Event::from_notification(payload)
                };
                match event {
                    Some(event) => hub.publish(event),
                    None => tracing::warn!(
                        channel = notification.channel(),
                        payload,
                        "unexpected notification payload"
                    ),
                }
            }
            Ok(None) => return "connection closed".into(),
            Err(error) => return error.to_string(),
        }
    }
}
