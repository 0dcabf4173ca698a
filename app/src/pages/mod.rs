//! One component per page.

pub mod admin;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod not_found;
pub mod open_link;
pub mod order;
pub mod product;

pub use cart::CartPage;
pub use catalog::CatalogPage;
pub use checkout::CheckoutPage;
pub use not_found::NotFoundPage;
pub use open_link::OpenLinkPage;
pub use order::OrderPage;
pub use product::ProductPage;
