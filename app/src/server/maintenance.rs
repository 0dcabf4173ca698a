//! Periodic housekeeping, done by one process at a time (a Postgres advisory lock): today,
//! forgetting request ids older than a day (they only need to outlive a retried post).

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

/// One round of housekeeping, unless another process is doing it right now.
pub async fn run_once(db: &PgPool) -> sqlx::Result<()> {
    let mut conn = db.acquire().await?;
    let locked: bool = sqlx::query_scalar("select pg_try_advisory_lock($1)")
        .bind(LOCK_KEY)
        .fetch_one(&mut *conn)
        .await?;
    if !locked {
        return Ok(());
    }
    let outcome = prune_request_ids(db).await;
    sqlx::query("select pg_advisory_unlock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *conn)
        .await?;
    let pruned = outcome?;
    if pruned > 0 {
        tracing::info!(pruned, "forgot old request ids");
    }
    Ok(())
}

/// Runs the housekeeping every [`EVERY`] until `shutdown` completes.
pub async fn run(db: PgPool, shutdown: impl Future<Output = ()>) {
    let mut tick = tokio::time::interval(EVERY);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = tick.tick() => {
                if let Err(error) = run_once(&db).await {
                    tracing::warn!(%error, "housekeeping failed; trying again later");
                }
            }
        }
    }
}
