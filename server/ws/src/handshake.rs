//! The websocket opening handshake (RFC 6455 §4.2): which upgrade requests are acceptable,
//! and the `Sec-WebSocket-Accept` value that answers one. Building the HTTP response is the
//! server's business.

use base64::Engine as _;
use http::header::{CONNECTION, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE};
use http::{HeaderMap, HeaderValue, Version};
use sha1::{Digest, Sha1};

/// Why an upgrade request is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a websocket request at all (400).
    NotWebsocket,
    /// A websocket version other than 13 (426, naming the version we speak).
    UnsupportedVersion,
    /// A websocket request missing what RFC 6455 requires (400).
    Malformed(&'static str),
}

/// Checks the upgrade request and returns the `Sec-WebSocket-Accept` value to answer with.
pub fn accept_key(version: Version, headers: &HeaderMap) -> Result<HeaderValue, Refusal> {
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
    if version != Version::HTTP_11 {
        return Err(Refusal::Malformed("A websocket upgrade needs HTTP/1.1"));
    }
    if headers
        .get(SEC_WEBSOCKET_VERSION)
        .map(HeaderValue::as_bytes)
        != Some(b"13")
    {
        return Err(Refusal::UnsupportedVersion);
    }
    let mut keys = headers.get_all(SEC_WEBSOCKET_KEY).iter();
    let key = match (keys.next(), keys.next()) {
        (Some(key), None) if is_nonce(key.as_bytes()) => key,
        _ => {
            return Err(Refusal::Malformed(
                "Sec-WebSocket-Key must be one base64-encoded 16-byte value",
            ))
        }
    };
    HeaderValue::from_str(&derive_accept_key(key.as_bytes()))
        .map_err(|_| Refusal::Malformed("Invalid Sec-WebSocket-Key"))
}

/// `base64(SHA-1(key + GUID))` (RFC 6455 §4.2.2).
pub fn derive_accept_key(key: &[u8]) -> String {
    const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    let mut sha1 = Sha1::new();
    sha1.update(key);
    sha1.update(GUID);
    base64::engine::general_purpose::STANDARD.encode(sha1.finalize())
}

/// Whether `key` is the base64 form of 16 bytes: 22 base64 characters and `==`.
fn is_nonce(key: &[u8]) -> bool {
    key.len() == 24
        && key.ends_with(b"==")
        && key[..22]
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || *byte == b'+' || *byte == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    http::HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    fn upgrade(version: &'static str, key: &'static str) -> HeaderMap {
        headers(&[
            ("upgrade", "websocket"),
            ("connection", "keep-alive, Upgrade"),
            ("sec-websocket-version", version),
            ("sec-websocket-key", key),
        ])
    }

    #[test]
    fn a_browser_upgrade_gets_the_accept_key_from_the_rfc_example() {
        assert_eq!(
            accept_key(Version::HTTP_11, &upgrade("13", "dGhlIHNhbXBsZSBub25jZQ==")).unwrap(),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn requests_without_upgrade_or_with_a_bad_version_or_key_are_refused() {
        assert_eq!(
            accept_key(Version::HTTP_11, &headers(&[("connection", "upgrade")])),
            Err(Refusal::NotWebsocket)
        );
        assert_eq!(
            accept_key(Version::HTTP_11, &upgrade("8", "dGhlIHNhbXBsZSBub25jZQ==")),
            Err(Refusal::UnsupportedVersion)
        );
        assert!(matches!(
            accept_key(Version::HTTP_11, &upgrade("13", "short")),
            Err(Refusal::Malformed(_))
        ));
        assert!(matches!(
            accept_key(Version::HTTP_10, &upgrade("13", "dGhlIHNhbXBsZSBub25jZQ==")),
            Err(Refusal::Malformed(_))
        ));
    }
}
