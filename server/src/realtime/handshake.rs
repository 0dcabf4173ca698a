//! The websocket opening handshake for `/events/io`, as HTTP: the refusals and the
//! `101 Switching Protocols` answer. What makes a request acceptable is `tandem_ws::handshake`.
//!
//! Done here rather than by axum's `WebSocketUpgrade` because the relay writes frames to the
//! upgraded connection itself (see `fanout`), which axum's `WebSocket` does not allow.

use axum::http::header::{CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_VERSION, UPGRADE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
pub use tandem_ws::handshake::{accept_key, Refusal};

/// The HTTP answer to a refused upgrade.
pub fn refusal_response(refusal: Refusal) -> Response {
    match refusal {
        Refusal::NotWebsocket => (StatusCode::BAD_REQUEST, "Expected websocket").into_response(),
        Refusal::UnsupportedVersion => (
            StatusCode::UPGRADE_REQUIRED,
            [(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"))],
            "Unsupported websocket version: Sec-WebSocket-Version must be 13",
        )
            .into_response(),
        Refusal::Malformed(reason) => (StatusCode::BAD_REQUEST, reason).into_response(),
    }
}

/// The `101 Switching Protocols` answer that completes the handshake.
pub fn switching_protocols(accept: HeaderValue) -> Response {
    (
        StatusCode::SWITCHING_PROTOCOLS,
        [
            (UPGRADE, HeaderValue::from_static("websocket")),
            (CONNECTION, HeaderValue::from_static("upgrade")),
            (SEC_WEBSOCKET_ACCEPT, accept),
        ],
    )
        .into_response()
}
