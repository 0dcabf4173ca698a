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
    pub staff_id: i64,
    pub username: String,
    pub display_name: String,
    pub active: bool,
    pub roles: Vec<Role>,
}

impl Role {
    /// How the role reads on a page.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::SalesRep => "Sales rep",
            Role::EventListener => "Live events",
            Role::DiscountManager => "Discount manager",
        }
    }
}

/// A new or changed staff account as an admin (or the command line) describes it, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffDraft {
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
}

/// Reads a username: 2 to 40 of lowercase letters, digits, `.`, `_` and `-`.
pub fn parse_username(typed: &str) -> Result<String, String> {
    let username = typed.trim().to_lowercase();
    let valid = (2..=40).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if valid {
        Ok(username)
    } else {
        Err("A username is 2 to 40 lowercase letters, digits, dots, dashes or underscores.".into())
    }
}

/// Reads a display name: 1 to 100 characters on one line.
pub fn parse_display_name(typed: &str) -> Result<String, String> {
    let name = super::text::single_line("The display name", typed, 100)?;
    if name.is_empty() {
        return Err("The display name is needed.".into());
    }
    Ok(name)
}

/// Reads a comma-separated list of role names (`admin,sales_rep`).
pub fn parse_roles(typed: &str) -> Result<Vec<Role>, String> {
    let mut roles = Vec::new();
    for name in typed
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        let role = Role::parse(name).ok_or_else(|| {
            format!(
                "'{}' is not a role; the roles are {}.",
                name.chars().take(40).collect::<String>(),
                Role::ALL.map(Role::as_str).join(", ")
            )
        })?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Ok(roles)
}

/// Checks a new password: 12 to 1024 characters, not only spaces.
pub fn check_password(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if !(12..=1024).contains(&length) || password.trim().is_empty() {
        return Err(
            "A password needs at least 12 characters (a few words make a good one).".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_roles_and_passwords_are_checked_with_a_sentence() {
        assert_eq!(parse_username(" Ava.Rep "), Ok("ava.rep".into()));
        assert!(parse_username("a").is_err());
        assert!(parse_username("ava rep").is_err());
        assert_eq!(
            parse_roles("admin, sales_rep,admin"),
            Ok(vec![Role::Admin, Role::SalesRep])
        );
        assert!(parse_roles("root").unwrap_err().contains("not a role"));
        assert!(check_password("short").is_err());
        assert!(check_password("correct horse battery").is_ok());
        assert_eq!(
            parse_display_name(""),
            Err("The display name is needed.".into())
        );
    }
}
