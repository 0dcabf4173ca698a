//! Who may call what: the one list of staff server functions and staff endpoints, with the
//! roles each needs. Server functions authorise against it (`server::staff::authorize`), the
//! `/admin/api` gate refuses callers before their arguments are read, and the authorisation
//! test walks every role against every entry. A staff function missing from this list is
//! refused to everyone, and the test fails.

use leptos::server_fn::ServerFn;

use super::admin::{
    CartSummaries, CartsPresence, CurrentStaff, EventsStatus, FindCarts, GetCartDetail,
    GetCartPresence, ListActiveCarts,
};
use super::orders::{CancelOrder, GetOrder, ListOrders};
use super::rep::{
    RepAddDiscount, RepAddItem, RepLeft, RepPushLink, RepRemoveDiscount, RepRemoveItem,
    RepSetQuantity, RepViewing, SearchProducts,
};
use super::staff_admin::{CreateStaff, ListStaff, SetStaffActive, SetStaffPassword, UpdateStaff};
use crate::model::staff::Role;

/// Any signed-in staff member.
pub const ANY_STAFF: &[Role] = &Role::ALL;
/// Those who find, watch and help with carts.
pub const REPS_AND_ADMINS: &[Role] = &[Role::SalesRep, Role::Admin];
/// Those who change carts.
pub const REPS: &[Role] = &[Role::SalesRep];
/// Those who manage staff.
pub const ADMINS: &[Role] = &[Role::Admin];
/// Those who may hold the live event stream open.
pub const LISTENERS: &[Role] = &[Role::EventListener];

/// Every staff server function: its path and the roles that may call it.
pub const STAFF_FUNCTIONS: &[(&str, &[Role])] = &[
    (CurrentStaff::PATH, ANY_STAFF),
    (ListActiveCarts::PATH, REPS_AND_ADMINS),
    (FindCarts::PATH, REPS_AND_ADMINS),
    (GetCartDetail::PATH, REPS_AND_ADMINS),
    (CartSummaries::PATH, REPS_AND_ADMINS),
    (GetCartPresence::PATH, REPS_AND_ADMINS),
    (CartsPresence::PATH, REPS_AND_ADMINS),
    (ListStaff::PATH, ADMINS),
    (CreateStaff::PATH, ADMINS),
    (UpdateStaff::PATH, ADMINS),
    (SetStaffActive::PATH, ADMINS),
    (SetStaffPassword::PATH, ADMINS),
    (ListOrders::PATH, REPS_AND_ADMINS),
    (GetOrder::PATH, REPS_AND_ADMINS),
    (CancelOrder::PATH, REPS_AND_ADMINS),
    (EventsStatus::PATH, LISTENERS),
    (RepAddItem::PATH, REPS),
    (RepSetQuantity::PATH, REPS),
    (RepRemoveItem::PATH, REPS),
    (RepAddDiscount::PATH, REPS),
    (RepRemoveDiscount::PATH, REPS),
    (RepPushLink::PATH, REPS),
    (SearchProducts::PATH, REPS),
    (RepViewing::PATH, REPS_AND_ADMINS),
    (RepLeft::PATH, REPS_AND_ADMINS),
];

/// Staff endpoints that are not server functions: method and path, and the roles they need.
/// A page needs the roles of the functions it shows (without them it is a 403 page);
/// `/events/io` needs the listener role at the upgrade and for as long as the socket stays
/// open.
pub const STAFF_ENDPOINTS: &[(&str, &str, &[Role])] = &[
    ("GET", "/admin", REPS_AND_ADMINS),
    ("GET", "/admin/carts/{id}", REPS_AND_ADMINS),
    ("GET", "/admin/orders", REPS_AND_ADMINS),
    ("GET", "/admin/orders/{number}", REPS_AND_ADMINS),
    ("GET", "/admin/staff", ADMINS),
    ("GET", "/events", LISTENERS),
    ("GET", "/events/io", LISTENERS),
];

/// The roles that may call the staff function at `path`; `None` when it is not a listed one.
pub fn roles_for(path: &str) -> Option<&'static [Role]> {
    STAFF_FUNCTIONS
        .iter()
        .find(|(listed, _)| *listed == path)
        .map(|(_, roles)| *roles)
}
