//! What a sales rep does to a shopper's cart, under `/admin/api/rep`. Every change checks
//! the `sales_rep` role on the server, carries the cart version the rep saw (stale changes
//! are refused) and a request id (a repeated submission applies once), and returns the cart
//! as it is afterwards. Beside them: the product search, and the rep's presence on a cart
//! (`rep_viewing`, `rep_left`; reps and admins, as `api::access` lists).

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::admin::CartDetail;
use crate::model::catalog::ProductSummary;

#[cfg(feature = "ssr")]
mod support {
    use crate::error::AppError;
    use crate::model::admin::CartDetail;
    use crate::model::staff::StaffIdentity;
    use crate::server::{db, AppState};

    /// The rep calling the function at `path`, checked against `api::access` before anything
    /// else is read.
    pub(super) async fn rep(path: &str) -> Result<(StaffIdentity, AppState), AppError> {
        let staff = crate::server::staff::authorize(path).await?;
        Ok((staff, AppState::current()?))
    }

    pub(super) async fn detail(
        state: &AppState,
        staff: &StaffIdentity,
        cart_id: i64,
    ) -> Result<CartDetail, AppError> {
        super::super::admin::load_detail(state, staff, cart_id).await
    }

    pub(super) fn change<'a>(
        cart_id: i64,
        version: i64,
        request_id: uuid::Uuid,
        staff: &'a StaffIdentity,
    ) -> db::rep::RepChange<'a> {
        db::rep::RepChange {
            cart_id,
            expected_version: version,
            request_id,
            staff,
        }
    }
}

/// Adds a product to the shopper's cart.
#[server(prefix = "/admin/api", endpoint = "rep/add")]
pub async fn rep_add_item(
    cart_id: i64,
    product_id: i64,
    quantity: String,
    version: i64,
    request_id: Uuid,
) -> Result<CartDetail, AppError> {
    use crate::model::cart::parse_quantity;
    let (staff, state) = support::rep(RepAddItem::PATH).await?;
    let quantity = parse_quantity(&quantity).map_err(AppError::Invalid)?;
    let change = support::change(cart_id, version, request_id, &staff);
    crate::server::db::rep::add_item(&state.db, &change, product_id, quantity).await?;
    support::detail(&state, &staff, cart_id).await
}

/// Changes a line's quantity.
#[server(prefix = "/admin/api", endpoint = "rep/set")]
pub async fn rep_set_quantity(
    cart_id: i64,
    product_id: i64,
    quantity: String,
    version: i64,
    request_id: Uuid,
) -> Result<CartDetail, AppError> {
    use crate::model::cart::parse_quantity;
    let (staff, state) = support::rep(RepSetQuantity::PATH).await?;
    let quantity = parse_quantity(&quantity).map_err(AppError::Invalid)?;
    let change = support::change(cart_id, version, request_id, &staff);
    crate::server::db::rep::set_quantity(&state.db, &change, product_id, quantity).await?;
    support::detail(&state, &staff, cart_id).await
}

/// Removes a line.
#[server(prefix = "/admin/api", endpoint = "rep/remove")]
pub async fn rep_remove_item(
    cart_id: i64,
    product_id: i64,
    version: i64,
    request_id: Uuid,
) -> Result<CartDetail, AppError> {
    let (staff, state) = support::rep(RepRemoveItem::PATH).await?;
    let change = support::change(cart_id, version, request_id, &staff);
    crate::server::db::rep::remove_item(&state.db, &change, product_id).await?;
    support::detail(&state, &staff, cart_id).await
}

/// Gives a discount: `target` is `cart` or a product id; `kind` is `percent` or `fixed`;
/// `amount` is a percentage or dollars; `reason` is required. Reps are capped (by default
/// 15% of the cart's value across all its discounts); discount managers are not.
#[server(prefix = "/admin/api", endpoint = "rep/discount")]
#[allow(clippy::too_many_arguments)]
pub async fn rep_add_discount(
    cart_id: i64,
    target: String,
    kind: String,
    amount: String,
    reason: String,
    version: i64,
    request_id: Uuid,
) -> Result<CartDetail, AppError> {
    use crate::model::pricing::DiscountKind;
    use crate::model::rep_input::{parse_money, parse_percent};
    use crate::model::staff::Role;
    use crate::model::text::single_line;
    use crate::server::db::rep::NewDiscount;
    let (staff, state) = support::rep(RepAddDiscount::PATH).await?;
    let kind = match kind.as_str() {
        "percent" => DiscountKind::Percent {
            basis_points: parse_percent(&amount).map_err(AppError::Invalid)?,
        },
        "fixed" => DiscountKind::Fixed {
            amount_cents: parse_money(&amount).map_err(AppError::Invalid)?,
        },
        _ => {
            return Err(AppError::Invalid(
                "Choose a percentage or a fixed amount.".into(),
            ))
        }
    };
    let product_id = match target.as_str() {
        "cart" => None,
        id => Some(
            id.parse::<i64>()
                .map_err(|_| AppError::Invalid("Choose the cart or one of its lines.".into()))?,
        ),
    };
    let reason = single_line("The reason", &reason, 500).map_err(AppError::Invalid)?;
    if reason.chars().count() < 3 {
        return Err(AppError::Invalid(
            "Give a reason for the discount (3 to 500 characters).".into(),
        ));
    }
    let cap = (!staff.has(Role::DiscountManager))
        .then(|| i64::from(state.config.rep_discount_cap_percent) * 100);
    let change = support::change(cart_id, version, request_id, &staff);
    crate::server::db::rep::add_discount(
        &state.db,
        &change,
        NewDiscount {
            product_id,
            kind,
            reason,
        },
        cap,
    )
    .await?;
    support::detail(&state, &staff, cart_id).await
}

/// Takes a discount off again.
#[server(prefix = "/admin/api", endpoint = "rep/undiscount")]
pub async fn rep_remove_discount(
    cart_id: i64,
    discount_id: i64,
    version: i64,
    request_id: Uuid,
) -> Result<CartDetail, AppError> {
    let (staff, state) = support::rep(RepRemoveDiscount::PATH).await?;
    let change = support::change(cart_id, version, request_id, &staff);
    crate::server::db::rep::remove_discount(&state.db, &change, discount_id).await?;
    support::detail(&state, &staff, cart_id).await
}

/// Sends the shopper a link to a page of this site, with an optional note.
#[server(prefix = "/admin/api", endpoint = "rep/link")]
pub async fn rep_push_link(
    cart_id: i64,
    path: String,
    note: String,
    version: i64,
    request_id: Uuid,
) -> Result<CartDetail, AppError> {
    use crate::model::rep_input::site_path;
    use crate::model::text::single_line;
    let (staff, state) = support::rep(RepPushLink::PATH).await?;
    let path =
        site_path(&path, state.config.public_origin.as_deref()).map_err(AppError::Invalid)?;
    let note = single_line("The note", &note, 500).map_err(AppError::Invalid)?;
    let mut conn = state.db.acquire().await?;
    if crate::server::site_pages::preview(&mut conn, &path)
        .await?
        .is_none()
    {
        return Err(AppError::Invalid(format!(
            "There is no page at {path} in this shop. Send a product page (/products/helmet-aero), \
             a category (/?category=Bikes), the catalog (/), /cart or /checkout."
        )));
    }
    drop(conn);
    let change = support::change(cart_id, version, request_id, &staff);
    crate::server::db::rep::push_link(&state.db, &change, &path, &note).await?;
    support::detail(&state, &staff, cart_id).await
}

/// Products whose name contains `query`, for adding to a cart.
#[server(prefix = "/admin/api", endpoint = "rep/products")]
pub async fn search_products(query: String) -> Result<Vec<ProductSummary>, AppError> {
    use crate::model::text::single_line;
    let (_, state) = support::rep(SearchProducts::PATH).await?;
    let query = single_line("The search", &query, 100).map_err(AppError::Invalid)?;
    Ok(crate::server::db::catalog::search(&state.db, &query).await?)
}

/// Keeps the shopper's "a rep is viewing your cart" banner up while the rep's page is open
/// (`visit`: the page's visit, from its load).
#[server(prefix = "/admin/api", endpoint = "rep/viewing")]
pub async fn rep_viewing(cart_id: i64, visit: String) -> Result<(), AppError> {
    use crate::server::presence;
    let (staff, state) = support::rep(RepViewing::PATH).await?;
    let visit = presence::read_visit(&visit)?;
    presence::rep_viewing(
        &state,
        &presence::RepVisit::in_this_session(&staff, cart_id, &visit),
    )
    .await;
    Ok(())
}

/// Ends the rep's visit of the cart's page (`visit`) when they close it, reload it or move on,
/// so the shopper's banner goes now; the rep's other visits and other reps stay. Sent as a
/// beacon when the tab goes away.
#[server(prefix = "/admin/api", endpoint = "rep/left")]
pub async fn rep_left(cart_id: i64, visit: String) -> Result<(), AppError> {
    use crate::server::presence;
    let (staff, state) = support::rep(RepLeft::PATH).await?;
    let visit = presence::read_visit(&visit)?;
    presence::rep_left(
        &state,
        &presence::RepVisit::in_this_session(&staff, cart_id, &visit),
    )
    .await;
    Ok(())
}
