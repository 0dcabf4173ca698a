//! Staff members and their roles, as admin pages see them.

use serde::{Deserialize, Serialize};

/// What a staff member may do. Access is denied unless a role grants it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages staff accounts and sees everything.
    Admin,
    /// Finds, watches and edits shoppers' carts.
    SalesRep,
    /// May open the live event stream.
    EventListener,
    /// May give discounts above the rep cap.
    DiscountManager,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::SalesRep,
        Role::EventListener,
        Role::DiscountManager,
    ];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::SalesRep => "sales_rep",
            Role::EventListener => "event_listener",
            Role::DiscountManager => "discount_manager",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == name)
    }
}

/// The signed-in staff member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffIdentity {
    pub staff_id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
}

impl StaffIdentity {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A row of the staff list (admin only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSummary {
    pub username: String,
    pub display_name: String,
    pub active: bool,
    pub roles: Vec<Role>,
}
