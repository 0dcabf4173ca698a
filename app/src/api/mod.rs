//! Server functions: the only way pages read and change data. Shopper functions live under
//! `/api`, staff functions under `/admin/api`. Each one checks on the server who may call it.

pub mod access;
pub mod admin;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod orders;
pub mod rep;
pub mod staff_admin;
