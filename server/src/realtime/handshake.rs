//! The websocket opening handshake (RFC 6455 §4.2) for `/events/io`.
//!
//! Done here rather than by axum's `WebSocketUpgrade` because the relay writes frames to the
//! upgraded connection itself (see `fanout`), which axum's `WebSocket` does not allow.

use axum::http::header::{
    CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tungstenite::handshake::derive_accept_key;

/// Why an upgrade request is refused (always 400).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a websocket request at all.
    NotWebsocket,
    /// A websocket request missing what RFC 6455 requires.
    Malformed(&'static str),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let message = match self {
            Refusal::NotWebsocket => "Expected websocket",
            Refusal::Malformed(reason) => reason,
        };
        (StatusCode::BAD_REQUEST, message).into_response()
    }
}

/// Checks the upgrade headers and returns the `Sec-WebSocket-Accept` value to answer with.
pub fn accept_key(headers: &HeaderMap) -> Result<HeaderValue, Refusal> {
    let has_token = |name, token: &str| {
        headers.get_all(name).iter().any(|value| {
            value
                .to_str()
                .unwrap_or_default()
                .split(',')
                .any(|part| part.trim().eq_ignore_ascii_case(token))
        })
    };
    if !has_token(UPGRADE, "websocket") || !has_token(CONNECTION, "upgrade") {
        return Err(Refusal::NotWebsocket);
    }
    if headers
        .get(SEC_WEBSOCKET_VERSION)
        .map(HeaderValue::as_bytes)
        != Some(b"13")
    {
        return Err(Refusal::Malformed(
            "Unsupported websocket version: Sec-WebSocket-Version must be 13",
        ));
    }
    let key = headers
        .get(SEC_WEBSOCKET_KEY)
        .filter(|key| !key.is_empty())
        .ok_or(Refusal::Malformed("Missing Sec-WebSocket-Key"))?;
    HeaderValue::from_str(&derive_accept_key(key.as_bytes()))
        .map_err(|_| Refusal::Malformed("Invalid Sec-WebSocket-Key"))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    axum::http::HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn a_browser_upgrade_gets_the_accept_key_from_the_rfc_example() {
        let request = headers(&[
            ("upgrade", "websocket"),
            ("connection", "keep-alive, Upgrade"),
            ("sec-websocket-version", "13"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ]);
        assert_eq!(
            accept_key(&request).unwrap(),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn a_request_without_upgrade_or_with_a_bad_version_is_refused() {
        assert_eq!(
            accept_key(&headers(&[("connection", "upgrade")])),
            Err(Refusal::NotWebsocket)
        );
        assert!(matches!(
            accept_key(&headers(&[
                ("upgrade", "websocket"),
                ("connection", "upgrade"),
                ("sec-websocket-version", "8"),
                ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ])),
            Err(Refusal::Malformed(_))
        ));
    }
}
