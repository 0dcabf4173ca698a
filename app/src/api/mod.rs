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

/// Whether the shopper function at `path` changes what the shopper's own pages show (their
/// cart, its links, the order placed from it): after one succeeds, the server makes sure the
/// shopper's next page is rendered afresh. Reads are not listed; every page load makes them.
#[cfg(feature = "ssr")]
pub fn changes_shopper_pages(path: &str) -> bool {
    use leptos::server_fn::ServerFn;
    [
        cart::AddToCart::PATH,
        cart::SetQuantity::PATH,
        cart::RemoveFromCart::PATH,
        cart::DismissLink::PATH,
        checkout::PlaceOrder::PATH,
        checkout::OpenCartLink::PATH,
    ]
    .contains(&path)
}
