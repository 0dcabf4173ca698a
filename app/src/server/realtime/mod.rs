//! The live cart-activity relay's in-process half: one Postgres LISTEN connection per
//! process ([`listener`]) feeding a broadcast [`hub`] that every websocket and shopper
//! stream of this process subscribes to.

pub mod cart_clock;
pub mod hub;
pub mod listener;

pub use hub::{CartEvent, CatalogChange, Event, Hub, StaffNotice};
