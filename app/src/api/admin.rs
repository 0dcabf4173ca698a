//! Staff server functions under `/admin/api`. Each one starts with `staff::authorize`, which
//! denies by default: no staff session is 401, a missing role is 403.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

use crate::error::AppError;
use crate::model::admin::{CartDetail, CartList, CartPresence, FinderResult, RelayStatus};
use crate::model::staff::StaffIdentity;

/// Who is signed in (any staff role).
#[server(prefix = "/admin/api", endpoint = "me")]
pub async fn current_staff() -> Result<StaffIdentity, AppError> {
    crate::server::staff::authorize(CurrentStaff::PATH).await
}

/// Active carts, most recent activity first, a page after the cursor `after` (reps and
/// admins).
#[server(prefix = "/admin/api", endpoint = "carts")]
pub async fn list_active_carts(
    after: Option<String>,
    /// Empty carts are left out unless this is set.
    #[server(default)]
    with_empty: Option<bool>,
) -> Result<CartList, AppError> {
    use crate::server::{db, staff, AppState};
    staff::authorize(ListActiveCarts::PATH).await?;
    let after = crate::model::text::single_line("The page link", &after.unwrap_or_default(), 80)
        .map_err(AppError::Invalid)?;
    db::admin::active_carts(
        &AppState::current()?.db,
        (!after.is_empty()).then_some(after.as_str()),
        with_empty.unwrap_or(false),
    )
    .await
}

/// Who is with each of the carts `cart_ids` (comma-separated ids, at most 100): fed to the
/// active-carts list's presence columns, apart from the versioned summaries.
#[server(prefix = "/admin/api", endpoint = "carts/presence")]
pub async fn carts_presence(cart_ids: String) -> Result<Vec<(i64, CartPresence)>, AppError> {
    use crate::server::{presence, staff, AppState};
    staff::authorize(CartsPresence::PATH).await?;
    let refused = || AppError::Invalid("Ask for at most 100 carts, by number.".into());
    let mut ids: Vec<i64> = cart_ids
        .split(',')
        .filter(|id| !id.is_empty())
        .take(101)
        .map(|id| id.trim().parse::<i64>())
        .collect::<Result<_, _>>()
        .map_err(|_| refused())?;
    if ids.len() > 100 {
        return Err(refused());
    }
    ids.sort_unstable();
    ids.dedup();
    presence::of_carts(&AppState::current()?, &ids).await
}

/// Summaries of the carts named in `wanted` (`cart:version,...`, at most 100), as the live
/// active-carts list asks for them after change events: served from the process's cache, so
/// a change costs the database one read however many reps watch.
#[server(prefix = "/admin/api", endpoint = "carts/summaries")]
pub async fn cart_summaries(wanted: String) -> Result<CartList, AppError> {
    use crate::server::{db, staff, AppState};
    staff::authorize(CartSummaries::PATH).await?;
    let wanted = crate::model::admin::read_wanted(&wanted).ok_or_else(|| {
        AppError::Invalid("Ask for at most 100 carts, as cart:version pairs.".into())
    })?;
    let state = AppState::current()?;
    let items = state.summaries.get(&state, &wanted).await?;
    Ok(CartList {
        items,
        next: None,
        as_of: db::admin::now(),
    })
}

/// Whether the shopper of `cart_id` is on the site and which rep is viewing it: presence
/// changes come without a new cart version, so the live cart page asks for them alone.
#[server(prefix = "/admin/api", endpoint = "cart/presence")]
pub async fn get_cart_presence(cart_id: i64) -> Result<CartPresence, AppError> {
    use crate::server::{presence, staff, AppState};
    staff::authorize(GetCartPresence::PATH).await?;
    let state = AppState::current()?;
    Ok(CartPresence {
        shopper_online: presence::shopper_online(&state, cart_id).await,
        rep_viewing: presence::viewing_rep(&state, cart_id).await,
    })
}

/// The cart finder: help code, order number, customer email or name, or product (reps and
/// admins); carts a page after the cursor `after`.
#[server(prefix = "/admin/api", endpoint = "find")]
pub async fn find_carts(query: String, after: Option<String>) -> Result<FinderResult, AppError> {
    use crate::model::text::single_line;
    use crate::server::{db, staff, AppState};
    staff::authorize(FindCarts::PATH).await?;
    let query = single_line("The search", &query, 200).map_err(AppError::Invalid)?;
    let after =
        single_line("The page link", &after.unwrap_or_default(), 80).map_err(AppError::Invalid)?;
    db::admin::find(
        &AppState::current()?.db,
        &query,
        (!after.is_empty()).then_some(after.as_str()),
    )
    .await
}

/// One cart in full (reps and admins), marking the caller as viewing it in `visit`: the page's
/// visit from an earlier load, or a new one (given back in [`CartDetail::visit`]).
#[server(prefix = "/admin/api", endpoint = "cart")]
pub async fn get_cart_detail(cart_id: i64, visit: Option<String>) -> Result<CartDetail, AppError> {
    use crate::server::{presence, staff, AppState};
    let staff = staff::authorize(GetCartDetail::PATH).await?;
    let visit = match visit {
        Some(visit) => presence::read_visit(&visit)?,
        None => presence::new_visit(),
    };
    let state = AppState::current()?;
    let mut detail = load_detail(&state, &staff, cart_id).await?;
    // Marked only once the page has what it needs to end the visit again.
    let visit_of_page = presence::RepVisit::in_this_session(&staff, cart_id, &visit);
    presence::rep_viewing(&state, &visit_of_page).await;
    detail.visit = Some(visit);
    Ok(detail)
}

/// The cart detail with presence filled in, and the discount cap `staff` works under.
#[cfg(feature = "ssr")]
pub(crate) async fn load_detail(
    state: &crate::server::AppState,
    staff: &StaffIdentity,
    cart_id: i64,
) -> Result<CartDetail, AppError> {
    use crate::model::pricing::DiscountCap;
    use crate::model::staff::Role;
    let mut detail = crate::server::db::admin::detail(&state.db, cart_id).await?;
    detail.shopper_online = crate::server::presence::shopper_online(state, cart_id).await;
    detail.discount_cap = (!staff.has(Role::DiscountManager)).then(|| {
        let cart = &detail.cart;
        DiscountCap::new(
            i64::from(state.config.rep_discount_cap_percent) * 100,
            cart.subtotal_cents,
            cart.subtotal_cents - cart.total_cents,
        )
    });
    Ok(detail)
}

/// This process's live connections, for the `/events` status page (event listeners).
#[server(prefix = "/admin/api", endpoint = "events/status")]
pub async fn events_status() -> Result<RelayStatus, AppError> {
    use crate::server::{staff, AppState};
    staff::authorize(EventsStatus::PATH).await?;
    let hub = AppState::current()?.hub;
    Ok(RelayStatus {
        connections: hub.connection_count(),
        sessions: hub.session_names(),
    })
}
