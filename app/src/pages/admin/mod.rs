//! Staff pages under `/admin` (sign-in, active carts with the finder, cart detail, orders,
//! staff management) and the relay status page at `/events`.

pub mod cart_detail;
pub mod carts;
pub mod events;
pub mod layout;
pub mod login;
pub mod marks;
pub mod orders;
pub mod rep_tools;
pub mod staff;

pub use cart_detail::AdminCartPage;
pub use carts::ActiveCartsPage;
pub use events::EventsPage;
pub use layout::AdminLayout;
pub use login::LoginPage;
pub use orders::{AdminOrderPage, OrdersPage};
pub use staff::StaffPage;
