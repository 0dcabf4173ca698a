//! Where a payment step would go. No payment provider is connected: an order is placed as
//! `awaiting_payment`, and the page says so. To take payments, start the provider's checkout
//! here (inside the order's transaction, record the provider's reference) and mark the
//! order `paid` from the provider's confirmation; unpaid orders are cancelled after
//! `APP_ORDER_EXPIRE_DAYS` by the housekeeping sweep, which puts their stock back.

use sqlx::{Postgres, Transaction};

use crate::error::AppError;

/// Called once an order is written, before its transaction commits.
pub async fn order_placed(
    _tx: &mut Transaction<'_, Postgres>,
    order_id: i64,
) -> Result<(), AppError> {
    tracing::info!(
        order.id = order_id,
        "no payment provider: the order awaits payment"
    );
    Ok(())
}
