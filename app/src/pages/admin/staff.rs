//! `/admin/staff` (admins): the staff list a page at a time, a form to create an account, and
//! for each account its name and roles, deactivate or reactivate, and a new password. Every
//! form is a server function that also works as a plain form post.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::carts::{encode, NextPage};
use crate::api::staff_admin::{
    list_staff, CreateStaff, SetStaffActive, SetStaffPassword, UpdateStaff,
};
use crate::components::error_notice::ErrorNotice;
use crate::components::loaded::load;
use crate::error::AppError;
use crate::model::staff::{Role, StaffSummary};

/// The staff management page.
#[component]
pub fn StaffPage() -> impl IntoView {
    let query = use_query_map();
    let after = move || query.read().get("after").unwrap_or_default();
    let create = ServerAction::<CreateStaff>::new();
    let update = ServerAction::<UpdateStaff>::new();
    let active = ServerAction::<SetStaffActive>::new();
    let password = ServerAction::<SetStaffPassword>::new();
    let changes = move || {
        (
            create.version().get(),
            update.version().get(),
            active.version().get(),
            password.version().get(),
        )
    };
    let staff = load(
        move || (after(), changes()),
        |(after, _)| list_staff(Some(after)),
    );
    // The latest outcome of any form, shown where the rep is looking: above the forms.
    let outcome = move || -> Option<Result<String, AppError>> {
        let latest = [
            create
                .value()
                .get()
                .map(|r| r.map(|created| format!("Created {}.", created.username))),
            update
                .value()
                .get()
                .map(|r| r.map(|()| "Saved.".to_string())),
            active
                .value()
                .get()
                .map(|r| r.map(|()| "Done.".to_string())),
            password
                .value()
                .get()
                .map(|r| r.map(|()| "Password set.".to_string())),
        ];
        latest.into_iter().flatten().last()
    };
    view! {
        <Title text="Staff · Tandem"/>
        <h1>"Staff"</h1>
        <div aria-live="polite">
            {move || {
                outcome()
                    .map(|outcome| match outcome {
                        Ok(message) => {
                            view! { <p class="notice notice-done" role="status">{message}</p> }
                                .into_any()
                        }
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    })
            }}
        </div>
        <section class="tool">
            <h2>"New staff member"</h2>
            <ActionForm action=create attr:class="staff-create">
                <label>"Username " <input name="username" required autocomplete="off"/></label>
                <label>"Display name " <input name="display_name" required/></label>
                <label>
                    "Password "
                    <input type="password" name="password" required minlength="12" autocomplete="new-password"/>
                </label>
                <RoleBoxes roles=Vec::new()/>
                <button type="submit">"Create"</button>
            </ActionForm>
        </section>
        <Suspense fallback=|| view! { <p>"Loading staff…"</p> }>
            {move || Suspend::new(async move {
                match staff.await {
                    Ok(page) => {
                        let next = page.next.map(|next| format!("/admin/staff?after={}", encode(&next)));
                        view! {
                            <ul class="staff-list" data-testid="staff-list">
                                {page
                                    .items
                                    .into_iter()
                                    .map(|member| view! { <StaffRow member update active password/> })
                                    .collect_view()}
                            </ul>
                            <NextPage next/>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One checkbox per role, checked for `roles`.
#[component]
fn RoleBoxes(roles: Vec<Role>) -> impl IntoView {
    view! {
        <fieldset class="roles">
            <legend>"Roles"</legend>
            {Role::ALL
                .map(|role| {
                    view! {
                        <label>
                            <input
                                type="checkbox"
                                name=format!("role_{}", role.as_str())
                                value="on"
                                checked=roles.contains(&role)
                            />
                            " "
                            {role.label()}
                        </label>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}

#[component]
fn StaffRow(
    member: StaffSummary,
    update: ServerAction<UpdateStaff>,
    active: ServerAction<SetStaffActive>,
    password: ServerAction<SetStaffPassword>,
) -> impl IntoView {
    let id = member.staff_id.to_string();
    let state = if member.active { "" } else { " (deactivated)" };
    let username = member.username;
    let save_label = format!("Save {username}");
    let active_label = if member.active {
        format!("Deactivate {username}")
    } else {
        format!("Reactivate {username}")
    };
    let password_label = format!("Set password for {username}");
    let make_active = (!member.active).to_string();
    let (id_update, id_active, id_password) = (id.clone(), id.clone(), id);
    let data_username = username.clone();
    view! {
        <li data-username=data_username>
            <h3>
                <code>{username}</code>
                {state}
            </h3>
            <ActionForm action=update attr:class="staff-update">
                <input type="hidden" name="staff_id" value=id_update/>
                <label>"Display name " <input name="display_name" value=member.display_name required/></label>
                <RoleBoxes roles=member.roles/>
                <button type="submit">{save_label}</button>
            </ActionForm>
            <ActionForm action=active attr:class="staff-active">
                <input type="hidden" name="staff_id" value=id_active/>
                <input type="hidden" name="active" value=make_active/>
                <button type="submit" class="secondary">{active_label}</button>
            </ActionForm>
            <ActionForm action=password attr:class="staff-password">
                <input type="hidden" name="staff_id" value=id_password/>
                <label>
                    "New password "
                    <input type="password" name="password" required minlength="12" autocomplete="new-password"/>
                </label>
                <button type="submit" class="secondary">{password_label}</button>
            </ActionForm>
        </li>
    }
}
