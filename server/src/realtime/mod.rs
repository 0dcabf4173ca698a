//! The live relay's HTTP side: the `/events/io` websocket for staff and the shopper's own
//! `/api/cart/live` event stream.

pub mod access;
pub mod connection;
pub mod fanout;
pub mod handshake;
pub mod shopper_stream;
pub mod ws;
