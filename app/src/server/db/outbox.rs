//! Mail the store would send, kept in the `outbox` table and logged. No mail server is
//! needed: a sender would deliver the rows without `sent_at` (none is part of this project).

use sqlx::{Postgres, Transaction};

/// Queues a message in the same transaction as what it is about.
#[tracing::instrument(name = "db.queue_mail", skip(tx, subject, body), fields(to = %to))]
pub async fn queue(
    tx: &mut Transaction<'_, Postgres>,
    to: &str,
    subject: &str,
    body: &str,
) -> sqlx::Result<()> {
    sqlx::query("insert into outbox (to_email, subject, body) values ($1, $2, $3)")
        .bind(to)
        .bind(subject)
        .bind(body)
        .execute(&mut **tx)
        .await?;
    tracing::info!(to, subject, "mail queued in the outbox");
    Ok(())
}
