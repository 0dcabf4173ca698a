//! The live relay's HTTP side: the `/events/io` websocket for staff.

pub mod protocol;
pub mod ws;
