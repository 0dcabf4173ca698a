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
use tokio_util::sync::CancellationToken;

use super::hub::{CatalogChange, Event, Hub, StaffNotice};

/// The channel the cart triggers notify.
pub const CHANNEL: &str = "cart_activity";
/// The channel staff changes and ended sessions are announced on.
pub const STAFF_CHANNEL: &str = "staff_activity";
/// The channel product and customer changes are announced on.
pub const CATALOG_CHANNEL: &str = "catalog_activity";

/// Relays every notification on [`CHANNEL`] and [`STAFF_CHANNEL`] to `hub` until `shutdown`
/// is cancelled, reconnecting whenever the connection is lost.
pub async fn run(database_url: String, hub: Hub, shutdown: CancellationToken) {
    let mut backoff = Duration::from_millis(100);
    let mut lost_events = false;
    loop {
        let connected = tokio::select! {
            () = shutdown.cancelled() => return,
            connected = listen(&database_url) => connected,
        };
        match connected {
            Ok(mut listener) => {
                backoff = Duration::from_millis(100);
                tracing::info!("listening for {CHANNEL}");
                // Only now, with LISTEN in force again: a client refetching on this resync
                // sees every change made while we were away, and hears every later one.
                if lost_events {
                    metrics::counter!("tandem_resyncs_total", "reason" => "listener_reconnected")
                        .increment(1);
                    hub.publish(Event::resync("listener_reconnected"));
                }
                // After the resync has moved the catalog epoch: pages kept from before the
                // gap are never served again (the page cache keeps nothing while this is off).
                hub.set_listening(true);
                let reason = tokio::select! {
                    () = shutdown.cancelled() => return,
                    reason = relay(&mut listener, &hub) => reason,
                };
                hub.set_listening(false);
                tracing::warn!(%reason, "lost the {CHANNEL} listener; reconnecting");
                metrics::counter!("tandem_listen_reconnects_total").increment(1);
                lost_events = true;
            }
            Err(error) => {
                tracing::warn!(%error, "could not listen for {CHANNEL}; retrying");
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

async fn listen(database_url: &str) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect(database_url).await?;
    listener
        .listen_all([CHANNEL, STAFF_CHANNEL, CATALOG_CHANNEL])
        .await?;
    Ok(listener)
}

/// Relays until the connection is lost; returns why.
async fn relay(listener: &mut PgListener, hub: &Hub) -> String {
    loop {
        // try_recv, not recv: recv would silently reconnect and hide the gap.
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                let payload = notification.payload();
                if notification.channel() == CATALOG_CHANNEL {
                    match CatalogChange::from_notification(payload) {
                        Some(change) => hub.bump_epochs(change),
                        None => tracing::warn!(payload, "unexpected catalog notification"),
                    }
                    continue;
                }
                let event = if notification.channel() == STAFF_CHANNEL {
                    StaffNotice::from_notification(payload).map(Event::Staff)
                } else {
                    Event::from_notification(payload)
                };
                match event {
                    Some(event) => {
                        if matches!(event, Event::Activity { .. }) {
                            metrics::counter!("tandem_events_relayed_total").increment(1);
                        }
                        hub.publish(event);
                    }
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
