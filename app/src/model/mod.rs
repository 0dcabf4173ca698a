//! Plain data shared by server and browser: what pages show and server functions return.

pub mod cart;
pub mod catalog;
pub mod help_code;
pub mod money;
