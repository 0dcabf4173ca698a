//! Staff management for admins, under `/admin/api/staff`: the list (a page at a time),
//! creating an account, changing its name and roles, deactivating and reactivating it, and
//! setting a new password. Every change is written to `staff_audit` with who made it; a
//! role removal or deactivation applies from the member's next request and closes their live
//! sockets at once (the `staff` trigger announces it).
//!
//! Roles come from four checkboxes (`role_admin`, `role_sales_rep`, `role_event_listener`,
//! `role_discount_manager`): a checked box is sent, an unchecked one is not.

// A server function takes one argument per form field, and these forms have many fields;
// the lint also fires on the client half the `#[server]` macro generates.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

use crate::error::AppError;
use crate::model::page::Page;
use crate::model::staff::StaffSummary;

#[cfg(feature = "ssr")]
mod support {
    use crate::error::AppError;
    use crate::model::staff::{Role, StaffIdentity};
    use crate::server::db::staff::Actor;

    pub(super) fn roles(checked: [&Option<String>; 4]) -> Vec<Role> {
        [
            Role::Admin,
            Role::SalesRep,
            Role::EventListener,
            Role::DiscountManager,
        ]
        .into_iter()
        .zip(checked)
        .filter(|(_, checked)| checked.is_some())
        .map(|(role, _)| role)
        .collect()
    }

    pub(super) fn actor(staff: &StaffIdentity) -> Actor {
        Actor::Staff(staff.staff_id)
    }

    pub(super) async fn hash(password: &str) -> Result<String, AppError> {
        crate::model::staff::check_password(password).map_err(AppError::Invalid)?;
        let password = password.to_string();
        tokio::task::spawn_blocking(move || crate::server::staff::hash_password(&password))
            .await
            .map_err(|error| AppError::internal("hashing a password", error))?
    }
}

/// A page of staff accounts in username order, after the username `after`.
#[server(prefix = "/admin/api", endpoint = "staff")]
pub async fn list_staff(after: Option<String>) -> Result<Page<StaffSummary>, AppError> {
    use crate::server::{db, staff, AppState};
    staff::authorize(ListStaff::PATH).await?;
    let after = crate::model::text::single_line("The page link", &after.unwrap_or_default(), 40)
        .map_err(AppError::Invalid)?;
    Ok(db::staff::list(
        &AppState::current()?.db,
        (!after.is_empty()).then_some(after.as_str()),
    )
    .await?)
}

/// Creates a staff account.
#[server(prefix = "/admin/api", endpoint = "staff/create")]
pub async fn create_staff(
    username: String,
    display_name: String,
    password: String,
    role_admin: Option<String>,
    role_sales_rep: Option<String>,
    role_event_listener: Option<String>,
    role_discount_manager: Option<String>,
) -> Result<StaffSummary, AppError> {
    use crate::model::staff::{parse_display_name, parse_username, StaffDraft};
    use crate::server::{db, form_post, staff, AppState};
    let admin = staff::authorize(CreateStaff::PATH).await?;
    let draft = StaffDraft {
        username: parse_username(&username).map_err(AppError::Invalid)?,
        display_name: parse_display_name(&display_name).map_err(AppError::Invalid)?,
        roles: support::roles([
            &role_admin,
            &role_sales_rep,
            &role_event_listener,
            &role_discount_manager,
        ]),
    };
    let hash = support::hash(&password).await?;
    let state = AppState::current()?;
    let staff_id = db::staff::create(&state.db, support::actor(&admin), &draft, &hash).await?;
    form_post::confirm(&format!("Created {}.", draft.username)).await;
    Ok(StaffSummary {
        staff_id,
        username: draft.username,
        display_name: draft.display_name,
        active: true,
        roles: draft.roles,
    })
}

/// Changes a staff member's display name and roles.
#[server(prefix = "/admin/api", endpoint = "staff/update")]
pub async fn update_staff(
    staff_id: i64,
    display_name: String,
    role_admin: Option<String>,
    role_sales_rep: Option<String>,
    role_event_listener: Option<String>,
    role_discount_manager: Option<String>,
) -> Result<(), AppError> {
    use crate::model::staff::parse_display_name;
    use crate::server::{db, form_post, staff, AppState};
    let admin = staff::authorize(UpdateStaff::PATH).await?;
    let display_name = parse_display_name(&display_name).map_err(AppError::Invalid)?;
    let roles = support::roles([
        &role_admin,
        &role_sales_rep,
        &role_event_listener,
        &role_discount_manager,
    ]);
    let state = AppState::current()?;
    db::staff::update(
        &state.db,
        support::actor(&admin),
        staff_id,
        &display_name,
        &roles,
    )
    .await?;
    // At once in this process; the `staff` trigger tells the others.
    state.staff_cache.forget_staff(staff_id);
    // Someone who may no longer be marked as viewing carts is no longer shown on any.
    let marks_carts = crate::api::access::roles_for(crate::api::rep::RepViewing::PATH)
        .is_some_and(|allowed| roles.iter().any(|role| allowed.contains(role)));
    if !marks_carts {
        crate::server::presence::end_visits(&state, staff_id, None).await;
    }
    form_post::confirm("Saved.").await;
    Ok(())
}

/// Deactivates (`active` = `false`) or reactivates (`true`) a staff account.
#[server(prefix = "/admin/api", endpoint = "staff/active")]
pub async fn set_staff_active(staff_id: i64, active: String) -> Result<(), AppError> {
    use crate::server::{db, form_post, staff, AppState};
    let admin = staff::authorize(SetStaffActive::PATH).await?;
    let active = match active.as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(AppError::Invalid(
                "Choose to activate or deactivate.".into(),
            ))
        }
    };
    let state = AppState::current()?;
    db::staff::set_active(&state.db, support::actor(&admin), staff_id, active).await?;
    state.staff_cache.forget_staff(staff_id);
    if !active {
        crate::server::presence::end_visits(&state, staff_id, None).await;
    }
    form_post::confirm(if active {
        "Reactivated."
    } else {
        "Deactivated."
    })
    .await;
    Ok(())
}

/// Sets a new password for a staff member.
#[server(prefix = "/admin/api", endpoint = "staff/password")]
pub async fn set_staff_password(staff_id: i64, password: String) -> Result<(), AppError> {
    use crate::server::{db, form_post, staff, AppState};
    let admin = staff::authorize(SetStaffPassword::PATH).await?;
    let hash = support::hash(&password).await?;
    let state = AppState::current()?;
    db::staff::set_password(&state.db, support::actor(&admin), staff_id, &hash).await?;
    form_post::confirm("Password set.").await;
    Ok(())
}
