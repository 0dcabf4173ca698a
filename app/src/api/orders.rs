//! Orders for staff, under `/admin/api/orders`: the list (newest first, a page at a time,
//! narrowed by status and customer), one order in full, and cancelling one (its stock goes
//! back). Each function is authorised against `api::access` first.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

use crate::error::AppError;
use crate::model::order::{OrderSummary, OrderView};
use crate::model::page::Page;

/// A page of orders; `status` is a stored status name or empty, `customer` part of an email
/// or name or empty, `after` the cursor of the page before.
#[server(prefix = "/admin/api", endpoint = "orders")]
pub async fn list_orders(
    status: Option<String>,
    customer: Option<String>,
    after: Option<String>,
) -> Result<Page<OrderSummary>, AppError> {
    use crate::model::order::OrderStatus;
    use crate::model::text::single_line;
    use crate::server::db::order::{list, OrderFilter};
    use crate::server::{staff, AppState};
    staff::authorize(ListOrders::PATH).await?;
    let (status, customer, after) = (
        status.unwrap_or_default(),
        customer.unwrap_or_default(),
        after.unwrap_or_default(),
    );
    let status = match status.trim() {
        "" => None,
        name => Some(
            OrderStatus::parse(name)
                .ok_or_else(|| AppError::Invalid("Choose a status from the list.".into()))?,
        ),
    };
    let customer = single_line("The customer search", &customer, 200).map_err(AppError::Invalid)?;
    let after = single_line("The page link", &after, 80).map_err(AppError::Invalid)?;
    let filter = OrderFilter {
        status,
        customer: (!customer.is_empty()).then_some(customer),
    };
    list(
        &AppState::current()?.db,
        &filter,
        (!after.is_empty()).then_some(after.as_str()),
    )
    .await
}

/// One order in full: lines, discounts with who gave them and why, the customer.
#[server(prefix = "/admin/api", endpoint = "orders/one")]
pub async fn get_order(number: String) -> Result<OrderView, AppError> {
    use crate::model::order::parse_order_number;
    use crate::server::{db, staff, AppState};
    staff::authorize(GetOrder::PATH).await?;
    let not_found = || AppError::NotFound("There is no order with that number.".into());
    let number = parse_order_number(&number).ok_or_else(not_found)?;
    db::order::by_number(&AppState::current()?.db, &number)
        .await?
        .ok_or_else(not_found)
}

/// Cancels an order awaiting payment, with a reason; its stock goes back.
#[server(prefix = "/admin/api", endpoint = "orders/cancel")]
pub async fn cancel_order(number: String, reason: String) -> Result<OrderView, AppError> {
    use crate::model::order::parse_order_number;
    use crate::model::text::single_line;
    use crate::server::{db, staff, AppState};
    let staff = staff::authorize(CancelOrder::PATH).await?;
    let not_found = || AppError::NotFound("There is no order with that number.".into());
    let number = parse_order_number(&number).ok_or_else(not_found)?;
    let reason = single_line("The reason", &reason, 500).map_err(AppError::Invalid)?;
    if reason.chars().count() < 3 {
        return Err(AppError::Invalid(
            "Give a reason for cancelling (3 to 500 characters).".into(),
        ));
    }
    let state = AppState::current()?;
    db::order::cancel(&state.db, &number, Some(&staff), &reason).await?;
    db::order::by_number(&state.db, &number)
        .await?
        .ok_or_else(not_found)
}
