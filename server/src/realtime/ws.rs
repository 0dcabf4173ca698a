//! `GET /events/io`: the authenticated websocket relaying cart activity to staff.
//!
//! Events reach the socket from the fan-out threads (see `fanout`); the connection's own
//! task only answers the client, pings it, and drains the queue when the socket was full.
//! An idle connection is its socket, a small shared state and this parked task.

use std::future::poll_fn;
use std::sync::Arc;
use std::task::{ready, Poll};
use std::time::Duration;

use app::api::access::LISTENERS;
use app::server::staff::{self, StaffSession};
use app::server::AppState;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use hyper_util::rt::TokioIo;
use tokio::time::{interval, timeout, Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::access::AccessWatch;
use super::connection::{Connection, Drained};
use super::fanout::Fanout;
use super::handshake;
use app::model::live::{self as protocol, MAX_CLIENT_MESSAGE};
use tandem_ws::frame::{self, close_code, ClientMessage, ClientReader, Violation};

/// A socket that takes nothing for this long means the client stopped reading.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a closing connection waits for its close frame to go out and the client to
/// answer.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Bytes read from the client per system call; clients send a few short messages.
const READ_CHUNK: usize = 1024;

/// Checks upgrade, session and role, then answers 101 and serves the connection. A foreign
/// `Origin` never gets here: the CSRF layer refuses cross-site upgrades with 403.
pub async fn events_io(
    Extension(state): Extension<AppState>,
    Extension(fanout): Extension<Fanout>,
    Extension(access): Extension<AccessWatch>,
    session: Option<Extension<StaffSession>>,
    mut request: Request,
) -> Response {
    let accept = match handshake::accept_key(request.version(), request.headers()) {
        Ok(accept) => accept,
        Err(refusal) => return handshake::refusal_response(refusal),
    };
    let claim = match session {
        Some(Extension(session)) => staff::claim(&state, &session.0).await.ok().flatten(),
        None => None,
    };
    let Some(claim) = claim.filter(|claim| staff::may(&claim.staff, LISTENERS)) else {
        return (
            StatusCode::FORBIDDEN,
            "Forbidden: live events need a signed-in staff member with the event_listener role",
        )
            .into_response();
    };
    let cap = state.config.ws_max_per_staff;
    let Some(slot) = access.reserve(claim.staff.staff_id, cap) else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many live connections for one staff member (at most {cap}): \
                 close another tab and try again."
            ),
        )
            .into_response();
    };
    let upgrade = hyper::upgrade::on(&mut request);
    let hub = state.hub.clone();
    let limits = Limits {
        ping_every: state.config.ws_ping_every,
        fragment_timeout: state.config.ws_fragment_timeout,
    };
    let shutdown = state.shutdown.clone();
    tokio::spawn(async move {
        let _slot = slot;
        let socket = match upgrade.await {
            Ok(socket) => socket,
            Err(error) => return tracing::info!(%error, "websocket upgrade did not complete"),
        };
        let registration = hub.register(&claim.staff.username);
        let span = tracing::info_span!("ws", session = %registration.name());
        async move {
            let connection = Connection::new(TokioIo::new(socket));
            // Watched before it can receive anything: a logout from now on closes it.
            let watching = access.watch(claim, connection.clone());
            let membership = fanout.add(connection.clone());
            tracing::info!("connected");
            let live = metrics::gauge!("tandem_live_sockets", "kind" => "websocket");
            live.increment(1.0);
            let end = serve(&connection, limits, &shutdown).await;
            live.decrement(1.0);
            drop(membership);
            drop(watching);
            say_goodbye(&connection, end).await;
            tracing::info!("disconnected");
        }
        .instrument(span)
        .await;
        drop(registration);
    });
    handshake::switching_protocols(accept)
}

/// Why a connection ended, which decides the goodbye.
enum End {
    /// The client sent a close frame, with this code if it gave one.
    ClientClosed(Option<u16>),
    /// The client broke the protocol or a limit.
    Violation(Violation),
    /// No pong since the last ping.
    Dead,
    /// The socket took nothing for [`SEND_TIMEOUT`].
    TooSlow,
    /// The connection dropped or failed.
    Gone(String),
    /// The staff session behind it ended (logout, expiry, deactivation, role removed).
    Revoked,
    /// The server is shutting down.
    GoingAway,
    /// A fragmented message stayed open longer than the limit.
    FragmentTooSlow,
}

/// A connection's timing limits.
#[derive(Clone, Copy)]
struct Limits {
    /// An idle client is pinged this often; one that has not answered by the next is dead.
    ping_every: Duration,
    /// How long a fragmented message may stay open.
    fragment_timeout: Duration,
}

/// Answers the client until the connection ends or the server shuts down.
async fn serve(connection: &Arc<Connection>, limits: Limits, shutdown: &CancellationToken) -> End {
    let mut reader = ClientReader::new(MAX_CLIENT_MESSAGE);
    let mut ping = interval(limits.ping_every);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ping.tick().await;
    let mut awaiting_pong = false;
    let mut fragment_deadline: Option<Instant> = None;
    loop {
        // A burst of pings gets one pong, for the last of them (RFC 6455 §5.5.3 allows it):
        // a client cannot make the server write a frame per frame it sends.
        let mut pong = None;
        loop {
            match reader.next_message() {
                Ok(Some(ClientMessage::Ping(payload))) => pong = Some(payload),
                Ok(Some(message)) => {
                    if let Some(end) = answer(connection, message, &mut awaiting_pong) {
                        return end;
                    }
                }
                Ok(None) => break,
                Err(violation) => return End::Violation(violation),
            }
        }
        if let Some(payload) = pong {
            connection.send(frame::pong(&payload));
        }
        fragment_deadline = match (reader.fragment_open(), fragment_deadline) {
            (false, _) => None,
            (true, None) => Some(Instant::now() + limits.fragment_timeout),
            (true, deadline) => deadline,
        };
        let fragment_expired = async {
            match fragment_deadline {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            // Frames waiting to be written come first: they are what keeps the client current.
            biased;
            () = shutdown.cancelled() => return End::GoingAway,
            () = connection.revoked.notified() => return End::Revoked,
            () = fragment_expired => return End::FragmentTooSlow,
            () = connection.drain_needed.notified() => {
                if let Err(end) = drain(connection).await {
                    return end;
                }
                // The socket was full and has taken bytes again, so the client is reading:
                // alive, even if a ping queued behind the backlog has not been answered yet.
                awaiting_pong = false;
                ping.reset();
            }
            read = read_some(connection, &mut reader) => match read {
                Ok(0) => return End::Gone("client went away without a close frame".into()),
                Ok(_) => {}
                Err(error) => return End::Gone(error.to_string()),
            },
            _ = ping.tick() => {
                if awaiting_pong {
                    return End::Dead;
                }
                awaiting_pong = true;
                connection.send(frame::ping());
            }
        }
    }
}

/// Reads what the client sent into `reader`. The read buffer lives only during the call,
/// so an idle connection does not hold one.
async fn read_some(connection: &Connection, reader: &mut ClientReader) -> std::io::Result<usize> {
    poll_fn(|cx| {
        let mut chunk = [0; READ_CHUNK];
        let read = ready!(connection.poll_read(cx, &mut chunk))?;
        reader.extend(&chunk[..read]);
        Poll::Ready(Ok(read))
    })
    .await
}

/// Answers one client message; `Some` when it ends the connection.
fn answer(
    connection: &Connection,
    message: ClientMessage,
    awaiting_pong: &mut bool,
) -> Option<End> {
    match message {
        ClientMessage::Text(text) => match protocol::read_client_message(&text) {
            Ok(subscription) => {
                tracing::info!(?subscription, "listening");
                let reply = protocol::listening_frame(subscription);
                connection.subscribe(subscription, frame::text(&reply));
            }
            Err(error_frame) => {
                tracing::info!("answered a malformed message with an error frame");
                connection.send(frame::text(&error_frame));
            }
        },
        ClientMessage::Binary(_) => {
            let reply = protocol::error_frame("binary messages are not understood; send JSON text");
            connection.send(frame::text(&reply));
        }
        // Answered by the caller, once per burst.
        ClientMessage::Ping(_) => {}
        ClientMessage::Pong => *awaiting_pong = false,
        ClientMessage::Close(code) => return Some(End::ClientClosed(code)),
    }
    None
}

/// Writes the queued frames; a socket that takes nothing for [`SEND_TIMEOUT`] means the
/// client stopped reading.
async fn drain(connection: &Connection) -> Result<(), End> {
    loop {
        match timeout(SEND_TIMEOUT, poll_fn(|cx| connection.poll_drain(cx))).await {
            Err(_) => return Err(End::TooSlow),
            Ok(Err(error)) => return Err(End::Gone(error.to_string())),
            Ok(Ok(Drained::All)) => return Ok(()),
            Ok(Ok(Drained::SocketFull)) => {}
        }
    }
}

/// Logs why the connection ended and, where the client can still hear it, says so with a
/// close frame.
async fn say_goodbye(connection: &Connection, end: End) {
    let close = match end {
        // The answer to a close echoes its code (RFC 6455 §5.5.1).
        End::ClientClosed(code) => frame::close_reply(code),
        End::Violation(violation) => {
            tracing::warn!(
                code = violation.close_code(),
                reason = violation.reason(),
                "closing"
            );
            frame::close(violation.close_code(), violation.reason())
        }
        End::TooSlow => {
            metrics::counter!("tandem_slow_consumer_drops_total").increment(1);
            tracing::warn!("client stopped reading; closing with 1013");
            frame::close(
                close_code::TRY_AGAIN_LATER,
                "too slow; reconnect and resync",
            )
        }
        End::Revoked => {
            tracing::info!("the staff session ended; closing with 1008");
            frame::close(
                close_code::POLICY,
                "your staff session ended; sign in again",
            )
        }
        End::GoingAway => frame::close(close_code::GOING_AWAY, "server restarting; reconnect"),
        End::FragmentTooSlow => {
            tracing::warn!("a fragmented message stayed open too long; closing with 1008");
            frame::close(
                close_code::POLICY,
                "a fragmented message stayed open too long",
            )
        }
        End::Dead => return tracing::info!("no pong; dropping a dead connection"),
        End::Gone(reason) => return tracing::info!(%reason, "connection ended"),
    };
    connection.start_closing(close);
    // Send the close frame, end our side, and read what the client still sends until it
    // closes too: closing a socket with unread bytes would reset the connection and could
    // destroy the close frame before the client reads it.
    let _ = timeout(CLOSE_TIMEOUT, async {
        drain(connection).await.map_err(|_| ())?;
        poll_fn(|cx| connection.poll_shutdown(cx))
            .await
            .map_err(|_| ())?;
        let mut chunk = [0; READ_CHUNK];
        while poll_fn(|cx| connection.poll_read(cx, &mut chunk))
            .await
            .map_err(|_| ())?
            > 0
        {}
        Ok::<(), ()>(())
    })
    .await;
}
