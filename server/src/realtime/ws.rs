//! `GET /events/io`: the authenticated websocket relaying cart activity to staff.
//!
//! One task per connection selects over three things: the client's messages, the hub's
//! events, and a ping timer. Nothing else is kept per connection, which keeps an idle
//! connection to a few kilobytes (small socket buffers, see `upgrade_with_small_buffers`).

use std::future::Future;
use std::time::Duration;

use app::model::staff::Role;
use app::server::realtime::{hub, Event, Hub};
use app::server::staff::{self, StaffSession};
use app::server::AppState;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{close_code, CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures::SinkExt;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::broadcast::Receiver;
use tokio::time::{interval, timeout, MissedTickBehavior};
use tracing::Instrument;

use super::protocol::{self, Subscription, MAX_CLIENT_MESSAGE};

/// A send that takes longer than this means the client stopped reading.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// At most this many queued events share one socket write (about 10 KiB of frames).
const MAX_FRAMES_PER_WRITE: usize = 64;

/// Checks upgrade, session and role, then hands the socket to [`serve`]. A foreign `Origin`
/// never gets here: the CSRF layer refuses cross-site upgrades with 403.
pub async fn events_io(
    Extension(state): Extension<AppState>,
    session: Option<Extension<StaffSession>>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return (StatusCode::BAD_REQUEST, "Expected websocket").into_response();
    };
    let staff = match session {
        Some(Extension(session)) => staff::signed_in(&state, &session.0).await.ok().flatten(),
        None => None,
    };
    let Some(staff) = staff.filter(|staff| staff.has(Role::EventListener)) else {
        return (
            StatusCode::FORBIDDEN,
            "Forbidden: live events need a signed-in staff member with the event_listener role",
        )
            .into_response();
    };
    let hub = state.hub.clone();
    let ping_every = state.config.ws_ping_every;
    upgrade_with_small_buffers(upgrade).on_upgrade(move |socket| {
        let guard = hub.register(&staff.username);
        let span = tracing::info_span!("ws", session = %guard.name());
        async move {
            tracing::info!("connected");
            serve(socket, &hub, ping_every).await;
            tracing::info!("disconnected");
            drop(guard);
        }
        .instrument(span)
    })
}

/// tungstenite's default read buffer alone is 128 KiB; these connections mostly idle.
fn upgrade_with_small_buffers(upgrade: WebSocketUpgrade) -> WebSocketUpgrade {
    upgrade
        // Clients send a few short messages; tungstenite zero-fills this much on every read
        // attempt, so a small buffer is cheaper per event as well as per connection.
        .read_buffer_size(256)
        // Frames are written at the flush that ends each send, so queued events that are
        // sent together share a write; the buffer only grows as far as that batch.
        .write_buffer_size(64 * 1024)
        .max_write_buffer_size(1024 * 1024)
        // Larger than our limit, so an oversized message reaches us and is answered with 1009.
        .max_message_size(MAX_CLIENT_MESSAGE * 4)
        .max_frame_size(MAX_CLIENT_MESSAGE * 4)
}

/// Why a connection ended, for the log.
enum End {
    ClientClosed,
    TooBig,
    Dead,
    TooSlow,
    Gone(String),
}

/// Relays events to one client until it goes. An idle client is pinged every `ping_every`; one
/// that has not answered a ping by the next is dead and dropped.
async fn serve(mut socket: WebSocket, hub: &Hub, ping_every: Duration) {
    let mut events = hub.subscribe();
    let mut subscription = Subscription::None;
    let mut ping = interval(ping_every);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ping.tick().await;
    let mut awaiting_pong = false;

    let end = loop {
        tokio::select! {
            // Events first: while one is ready, the socket and the timer are not polled at
            // all, which at ten thousand connections is most of the per-event work left
            // besides the write itself. Client messages wait at most one batch.
            biased;
            event = events.recv() => {
                let frame = match relayed(event, subscription) {
                    Relay::Send(frame) => frame,
                    Relay::Skip => continue,
                    Relay::Closed => break End::Gone("server shutting down".into()),
                };
                if let Err(end) = send_with_queued(&mut socket, frame, &mut events, subscription).await {
                    break end;
                }
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    if text.len() > MAX_CLIENT_MESSAGE {
                        break End::TooBig;
                    }
                    let reply = match protocol::read_client_message(&text) {
                        Ok(wanted) => {
                            subscription = wanted;
                            tracing::info!(?subscription, "listening");
                            protocol::listening_frame(wanted)
                        }
                        Err(error_frame) => {
                            tracing::info!("answered a malformed message with an error frame");
                            error_frame
                        }
                    };
                    if let Err(end) = send(&mut socket, reply.into()).await {
                        break end;
                    }
                }
                Some(Ok(Message::Binary(bytes))) => {
                    if bytes.len() > MAX_CLIENT_MESSAGE {
                        break End::TooBig;
                    }
                    let reply = protocol::error_frame("binary messages are not understood; send JSON text");
                    if let Err(end) = send(&mut socket, reply.into()).await {
                        break end;
                    }
                }
                Some(Ok(Message::Pong(_))) => awaiting_pong = false,
                // Pings are answered by the websocket library itself.
                Some(Ok(Message::Ping(_))) => {}
                Some(Ok(Message::Close(_))) | None => break End::ClientClosed,
                Some(Err(error)) => {
                    let text = error.to_string();
                    if text.contains("Space limit exceeded") || text.contains("too long") || text.contains("capacity") {
                        break End::TooBig;
                    }
                    break End::Gone(text);
                }
            },
            _ = ping.tick() => {
                if awaiting_pong {
                    break End::Dead;
                }
                awaiting_pong = true;
                if let Err(end) = socket_send(&mut socket, Message::Ping(Default::default())).await {
                    break end;
                }
            },
        }
    };

    match end {
        End::ClientClosed => {}
        End::TooBig => {
            tracing::warn!("message over 64 KiB; closing with 1009");
            close(
                &mut socket,
                close_code::SIZE,
                "message too big (limit 64 KiB)",
            )
            .await;
        }
        End::Dead => tracing::info!("no pong; dropping a dead connection"),
        End::TooSlow => {
            tracing::warn!("client stopped reading; closing with 1013");
            close(
                &mut socket,
                close_code::AGAIN,
                "too slow; reconnect and resync",
            )
            .await;
        }
        End::Gone(reason) => tracing::info!(%reason, "connection ended"),
    }
}

/// What to do with one event from the hub on this connection.
enum Relay {
    Send(Utf8Bytes),
    Skip,
    Closed,
}

fn relayed<E: Into<Missed>>(event: Result<Event, E>, subscription: Subscription) -> Relay {
    match event.map_err(Into::into) {
        Ok(Event::Activity { cart_id, frame }) if subscription.wants(cart_id) => Relay::Send(frame),
        Ok(Event::Resync { frame }) if subscription != Subscription::None => Relay::Send(frame),
        Ok(_) | Err(Missed::Nothing) => Relay::Skip,
        Err(Missed::Lagged(missed)) => {
            tracing::warn!(missed, "fell behind; asking the client to resync");
            Relay::Send(hub::resync_frame("lagged", Some(missed)).into())
        }
        Err(Missed::Closed) => Relay::Closed,
    }
}

/// The hub's receive errors, blocking or not, in one shape.
enum Missed {
    Nothing,
    Lagged(u64),
    Closed,
}

impl From<RecvError> for Missed {
    fn from(error: RecvError) -> Self {
        match error {
            RecvError::Lagged(missed) => Missed::Lagged(missed),
            RecvError::Closed => Missed::Closed,
        }
    }
}

impl From<TryRecvError> for Missed {
    fn from(error: TryRecvError) -> Self {
        match error {
            TryRecvError::Empty => Missed::Nothing,
            TryRecvError::Lagged(missed) => Missed::Lagged(missed),
            TryRecvError::Closed => Missed::Closed,
        }
    }
}

/// Sends `frame` and every event already queued behind it in one socket write. A connection
/// that keeps up sends one frame per write; one that fell behind catches up with fewer
/// system calls instead of falling further behind.
async fn send_with_queued(
    socket: &mut WebSocket,
    frame: Utf8Bytes,
    events: &mut Receiver<Event>,
    subscription: Subscription,
) -> Result<(), End> {
    within_send_timeout(socket.feed(Message::Text(frame))).await?;
    for _ in 0..MAX_FRAMES_PER_WRITE {
        match events.try_recv() {
            Err(TryRecvError::Empty) => break,
            event => match relayed(event, subscription) {
                Relay::Send(frame) => {
                    within_send_timeout(socket.feed(Message::Text(frame))).await?
                }
                Relay::Skip => {}
                Relay::Closed => return Err(End::Gone("server shutting down".into())),
            },
        }
    }
    within_send_timeout(socket.flush()).await
}

async fn send(socket: &mut WebSocket, frame: Utf8Bytes) -> Result<(), End> {
    socket_send(socket, Message::Text(frame)).await
}

async fn socket_send(socket: &mut WebSocket, message: Message) -> Result<(), End> {
    within_send_timeout(socket.send(message)).await
}

/// Runs a send, flush or feed; one that cannot finish within [`SEND_TIMEOUT`] means the
/// client stopped reading.
async fn within_send_timeout(
    sending: impl Future<Output = Result<(), axum::Error>>,
) -> Result<(), End> {
    let mut sending = std::pin::pin!(sending);
    // A reading client's socket takes the frame at once; only a send that has to wait gets
    // a timer (one timer per delivery is measurable at ten thousand connections).
    let sent = match futures::poll!(sending.as_mut()) {
        std::task::Poll::Ready(sent) => sent,
        std::task::Poll::Pending => timeout(SEND_TIMEOUT, sending)
            .await
            .map_err(|_| End::TooSlow)?,
    };
    sent.map_err(|error| End::Gone(error.to_string()))
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = timeout(
        Duration::from_secs(1),
        socket.send(Message::Close(Some(frame))),
    )
    .await;
}
