//! The frame of every signed-in admin page: who is signed in, navigation, the live link's
//! state, sign-out. Sends anyone without a staff session to the sign-in page.
//!
//! The page itself (`<Outlet/>`) is deliberately *not* inside the `Suspense` that waits for
//! the staff member: on the server a `Suspense` renders its children twice (once to find
//! their resources, once with them loaded), so resources created inside it would exist
//! twice on the server and once in the browser, and hydration would read the wrong ones.

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};

use crate::api::access::LISTENERS;
use crate::api::admin::current_staff;
use crate::components::error_notice::ErrorNotice;
use crate::components::live::{provide_live_events, LiveStatus};
use crate::components::loaded::{load, Loaded};
use crate::error::AppError;
use crate::model::staff::{Role, StaffIdentity};

/// The signed-in staff member, as a resource shared by the admin pages.
#[derive(Clone, Copy)]
pub struct CurrentStaff(pub Loaded<Result<StaffIdentity, AppError>>);

impl CurrentStaff {
    /// Whether the signed-in member holds `role` (false while loading or signed out).
    pub fn has(&self, role: Role) -> bool {
        self.0
            .get_untracked()
            .and_then(Result::ok)
            .is_some_and(|staff| staff.has(role))
    }
}

/// Layout for `/admin/...` and `/events` pages.
#[component]
pub fn AdminLayout() -> impl IntoView {
    let me = load(|| (), |_| current_staff());
    provide_context(CurrentStaff(me));
    super::marks::CartMarks::provide();
    let live = provide_live_events();
    view! {
        <header class="site-header admin-header">
            <A href="/admin" attr:class="brand">"Tandem · Staff"</A>
            <nav aria-label="Admin">
                <A href="/admin">"Active carts"</A>
                <A href="/admin/orders">"Orders"</A>
                <Suspense fallback=|| ()>
                    {move || {
                        me.get()
                            .and_then(Result::ok)
                            .filter(|staff| staff.has(Role::Admin))
                            .map(|_| view! { <A href="/admin/staff">"Staff"</A> })
                    }}
                </Suspense>
                <a href="/events">"Live events"</a>
                <LiveStatus/>
                <Suspense fallback=|| ()>
                    {move || {
                        me.get()
                            .map(|me| match me {
                                Ok(staff) => {
                                    live.enable(LISTENERS.iter().any(|role| staff.has(*role)));
                                    view! {
                                        <span class="who" data-testid="staff-name">
                                            {staff.display_name}
                                        </span>
                                        <form method="post" action="/admin/logout">
                                            <button type="submit" class="secondary">"Sign out"</button>
                                        </form>
                                    }
                                        .into_any()
                                }
                                Err(AppError::Unauthenticated) => {
                                    view! { <Redirect path="/admin/login"/> }.into_any()
                                }
                                Err(error) => view! { <ErrorNotice error/> }.into_any(),
                            })
                    }}
                </Suspense>
            </nav>
        </header>
        <main class="admin">
            <Outlet/>
        </main>
    }
}
