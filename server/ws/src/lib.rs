//! The websocket protocol (RFC 6455) as Tandem's live relay speaks it: the opening
//! handshake's validation ([`handshake`]) and framing ([`frame`]), with the relay's limits.
//!
//! Kept apart from the server so it can be held to the same tests the established websocket
//! libraries pass (Autobahn|Testsuite against `examples/echo.rs`, see `scripts/autobahn.sh`)
//! and fuzzed cheaply (`fuzz/`), without building axum, hyper, sqlx or Leptos.
//!
//! Layout:
//! - [`frame`]: server frames (built once, the same bytes for every connection) and the
//!   client-message reader (masking, fragments, control frames, size limit, close codes).
//! - [`handshake`]: what a valid upgrade request must carry, and the accept key.

pub mod frame;
pub mod handshake;
