//! One component per page.

pub mod admin;
pub mod cart;
pub mod catalog;
pub mod not_found;
pub mod product;

pub use cart::CartPage;
pub use catalog::CatalogPage;
pub use not_found::NotFoundPage;
pub use product::ProductPage;
