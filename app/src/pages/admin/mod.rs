//! Staff pages under `/admin` (sign-in, active carts with the finder, cart detail) and the
//! relay status page at `/events`.

pub mod cart_detail;
pub mod carts;
pub mod events;
pub mod layout;
pub mod login;
pub mod rep_tools;

pub use cart_detail::AdminCartPage;
pub use carts::ActiveCartsPage;
pub use events::EventsPage;
pub use layout::AdminLayout;
pub use login::LoginPage;
