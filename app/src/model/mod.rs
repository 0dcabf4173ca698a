//! Plain data shared by server and browser: what pages show and server functions return.

pub mod admin;
pub mod cart;
pub mod catalog;
pub mod help_code;
pub mod live;
pub mod money;
pub mod notice;
pub mod order;
pub mod page;
pub mod pricing;
pub mod rep_input;
pub mod staff;
pub mod text;
