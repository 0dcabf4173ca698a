//! Staff pages under `/admin`: sign-in, the active-carts list with the finder, cart detail.

pub mod cart_detail;
pub mod carts;
pub mod layout;
pub mod login;

pub use cart_detail::AdminCartPage;
pub use carts::ActiveCartsPage;
pub use layout::AdminLayout;
pub use login::LoginPage;
