//! The frame of every signed-in admin page: who is signed in, navigation, sign-out. Sends
//! anyone without a staff session to the sign-in page.

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};

use crate::api::admin::current_staff;
use crate::components::error_notice::ErrorNotice;
use crate::components::live::{provide_live_events, LiveStatus};
use crate::error::AppError;
use crate::model::staff::{Role, StaffIdentity};

/// Layout for `/admin/...` pages.
#[component]
pub fn AdminLayout() -> impl IntoView {
    let me = Resource::new(|| (), |_| current_staff());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(staff) => view! { <SignedIn staff/> }.into_any(),
                    Err(AppError::Unauthenticated) => {
                        view! { <Redirect path="/admin/login"/> }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SignedIn(staff: StaffIdentity) -> impl IntoView {
    let name = staff.display_name.clone();
    provide_live_events(staff.has(Role::EventListener));
    provide_context(staff);
    view! {
        <header class="site-header admin-header">
            <A href="/admin" attr:class="brand">"Tandem · Staff"</A>
            <nav aria-label="Admin">
                <A href="/admin">"Active carts"</A>
                <a href="/events">"Live events"</a>
                <LiveStatus/>
                <span class="who" data-testid="staff-name">{name}</span>
                <form method="post" action="/admin/logout">
                    <button type="submit" class="secondary">"Sign out"</button>
                </form>
            </nav>
        </header>
        <main class="admin">
            <Outlet/>
        </main>
    }
}
