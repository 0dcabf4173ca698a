//! Periodic housekeeping, done by one process at a time (a Postgres advisory lock): carts
//! without activity for `APP_CART_ABANDON_DAYS` are closed; help codes of carts ordered a
//! week ago are released for reuse; orders unpaid for `APP_ORDER_EXPIRE_DAYS` are cancelled
//! and their stock put back; request ids older than a day are forgotten (they only need to
//! outlive a retried post).

use std::future::Future;
use std::time::Duration;

use sqlx::PgPool;

/// How often the housekeeping runs.
pub const EVERY: Duration = Duration::from_secs(60 * 60);
/// The advisory lock key that makes one process at a time do it.
const LOCK_KEY: i64 = 7_406_522;

/// Deletes the idempotency records of requests applied more than a day ago.
#[tracing::instrument(name = "db.prune_request_ids", skip(db))]
pub async fn prune_request_ids(db: &PgPool) -> sqlx::Result<u64> {
    let deleted =
        sqlx::query("delete from cart_request where applied_at < now() - interval '1 day'")
            .execute(db)
            .await?;
    Ok(deleted.rows_affected())
}

/// Closes carts without activity for `days`; how many.
#[tracing::instrument(name = "db.close_abandoned_carts", skip(db))]
pub async fn close_abandoned_carts(db: &PgPool, days: u32) -> sqlx::Result<u64> {
    let closed = sqlx::query(
        "update cart set status = 'closed', code_held = false, last_op = 'cart_closed'
         where status = 'active' and updated_at < now() - make_interval(days => $1)",
    )
    .bind(days as i32)
    .execute(db)
    .await?;
    Ok(closed.rows_affected())
}

/// Releases the help codes of carts ordered more than a week ago; how many.
#[tracing::instrument(name = "db.release_help_codes", skip(db))]
pub async fn release_help_codes(db: &PgPool) -> sqlx::Result<u64> {
    let released = sqlx::query(
        "update cart set code_held = false
         where code_held and status <> 'active'
           and coalesce(ordered_at, updated_at) < now() - interval '7 days'",
    )
    .execute(db)
    .await?;
    Ok(released.rows_affected())
}

/// One round of housekeeping, unless another process is doing it right now.
pub async fn run_once(db: &PgPool, settings: &Settings) -> Result<(), crate::error::AppError> {
    let mut conn = db.acquire().await?;
    let locked: bool = sqlx::query_scalar("select pg_try_advisory_lock($1)")
        .bind(LOCK_KEY)
        .fetch_one(&mut *conn)
        .await?;
    if !locked {
        return Ok(());
    }
    let outcome = sweep(db, settings).await;
    sqlx::query("select pg_advisory_unlock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *conn)
        .await?;
    outcome
}

async fn sweep(db: &PgPool, settings: &Settings) -> Result<(), crate::error::AppError> {
    let closed = close_abandoned_carts(db, settings.cart_abandon_days).await?;
    let released = release_help_codes(db).await?;
    let expired = super::db::order::expire_unpaid(db, settings.order_expire_days).await?;
    let pruned = prune_request_ids(db).await?;
    if closed + released + pruned > 0 || expired > 0 {
        tracing::info!(closed, released, expired, pruned, "housekeeping done");
    }
    Ok(())
}

/// What the housekeeping needs to know.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub cart_abandon_days: u32,
    pub order_expire_days: u32,
}

/// Runs the housekeeping every [`EVERY`] until `shutdown` completes.
pub async fn run(db: PgPool, settings: Settings, shutdown: impl Future<Output = ()>) {
    let mut tick = tokio::time::interval(EVERY);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = tick.tick() => {
                if let Err(error) = run_once(&db, &settings).await {
                    tracing::warn!(%error, "housekeeping failed; trying again later");
                }
            }
        }
    }
}
