//! Links that reopen a cart in another browser ("email me a link to this cart").
//!
//! The link works like a password to the cart, so: its token is 32 random bytes of which
//! only the SHA-256 is stored; it expires after 7 days; it works once (opening it marks it
//! used); it is opened with a button on the page it leads to, never by the GET itself, so a
//! mail scanner following links does not use it up. Opening it in a browser that has another
//! cart makes that browser show the linked cart; the other cart is kept (its help code is
//! shown so it can still be found).

use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::error::AppError;

/// How long a link works.
pub const VALID_DAYS: i32 = 7;

/// Records a new link to `cart_id` for `customer_id`; `token` is the one in the mailed URL.
pub async fn create(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    token: &[u8; 32],
    cart_id: i64,
    customer_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into cart_link (token_hash, cart_id, customer_id, expires_at)
         values ($1, $2, $3, now() + make_interval(days => $4))",
    )
    .bind(Sha256::digest(token).as_slice())
    .bind(cart_id)
    .bind(customer_id)
    .bind(VALID_DAYS)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Uses the link with `token`: the cart it opens, and that cart's token hash is not needed
/// (the caller binds the browser to the cart by id). Refused when unknown, used or expired.
#[tracing::instrument(name = "db.use_cart_link", skip(db, token))]
pub async fn use_once(db: &PgPool, token: &[u8; 32]) -> Result<i64, AppError> {
    let used: Option<(i64, String)> = sqlx::query_as(
        "update cart_link l set used_at = now()
         from cart c
         where l.token_hash = $1 and l.used_at is null and l.expires_at > now()
           and c.cart_id = l.cart_id
         returning l.cart_id, c.status",
    )
    .bind(Sha256::digest(token).as_slice())
    .fetch_optional(db)
    .await?;
    match used {
        Some((cart_id, status)) if status == "active" => Ok(cart_id),
        Some(_) => Err(AppError::NotFound(
            "That cart has been ordered or closed since the link was sent.".into(),
        )),
        None => Err(AppError::NotFound(
            "That link has expired or was already used. Ask for a new one from the cart page."
                .into(),
        )),
    }
}
