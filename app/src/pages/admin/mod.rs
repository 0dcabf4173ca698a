//! Staff pages under `/admin` (sign-in, active carts with the finder, cart detail, orders,
//! staff management) and the relay status page at `/events`.

pub mod cart_detail;
pub mod carts;
#[cfg(any(feature = "ssr", feature = "csr", feature = "console"))]
pub mod console;
pub mod events;
#[cfg(any(feature = "hydrate", feature = "csr"))]
mod keep_focus;
pub mod layout;
pub mod login;
pub mod marks;
pub mod orders;
pub mod rep_tools;
pub mod staff;

pub use cart_detail::AdminCartPage;
pub use carts::ActiveCartsPage;
#[cfg(any(feature = "ssr", feature = "csr", feature = "console"))]
pub use console::StaffConsole;
pub use events::EventsPage;
pub use layout::AdminLayout;
pub use login::LoginPage;
pub use orders::{AdminOrderPage, OrdersPage};
pub use staff::StaffPage;
