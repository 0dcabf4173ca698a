//! Customers, known by email (any case). A known email given with another name keeps the name
//! on record: anyone can type any email, so a checkout never renames someone.

use sqlx::{Postgres, Transaction};

/// The customer with `email`, recorded now if new; `source` is `checkout` or `cart_link` (an
/// email given only to be sent a link, which reps see as unverified). A checkout upgrades a
/// `cart_link` customer to `checkout`, never the other way.
#[tracing::instrument(name = "db.record_customer", skip(tx, email, name))]
pub async fn record(
    tx: &mut Transaction<'_, Postgres>,
    email: &str,
    name: &str,
    source: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "insert into customer (email, name, source) values ($1, $2, $3)
         on conflict (email) do update
         set source = case when customer.source = 'checkout' then 'checkout' else excluded.source end,
             updated_at = now()
         returning customer_id",
    )
    .bind(email)
    .bind(name)
    .bind(source)
    .fetch_one(&mut **tx)
    .await
}
