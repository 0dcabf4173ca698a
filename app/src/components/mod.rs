//! Pieces of pages reused across them.

pub mod action_answers;
pub mod add_to_cart;
pub mod assist;
pub mod cart_state;
pub mod clock;
pub mod error_notice;
pub mod header;
pub mod live;
pub mod loaded;
pub mod order_lines;
pub mod product_picture;
pub mod quantity_field;
#[cfg(any(feature = "hydrate", feature = "csr"))]
pub mod ready;
pub mod response_status;
pub mod shopper_frame;
