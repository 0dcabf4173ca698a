//! Cart queries. Every change runs in one transaction; the triggers in the cart migration
//! version the cart and announce the change on `cart_activity` when it commits.

use rand::Rng;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::cart::{CartLine, CartView, MAX_QUANTITY};
use crate::model::help_code::{HelpCode, LENGTH};

/// How often to draw a new help code when the drawn one is taken by another active cart.
const HELP_CODE_ATTEMPTS: usize = 8;

/// The active cart whose token hashes to `token_hash`.
pub async fn find_active_by_token(db: &PgPool, token_hash: &[u8]) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("select cart_id from cart where token_hash = $1 and status = 'active'")
        .bind(token_hash)
        .fetch_optional(db)
        .await
}

/// Opens a new cart with a fresh help code that no other active cart has.
pub async fn create(db: &PgPool, token_hash: &[u8], user_agent: &str) -> Result<i64, AppError> {
    let user_agent: String = user_agent.chars().take(512).collect();
    for _ in 0..HELP_CODE_ATTEMPTS {
        let code = random_help_code();
        let inserted = sqlx::query_scalar(
            "insert into cart (token_hash, help_code, user_agent) values ($1, $2, $3)
             on conflict (help_code) where status = 'active' do nothing
             returning cart_id",
        )
        .bind(token_hash)
        .bind(code.as_str())
        .bind(&user_agent)
        .fetch_optional(db)
        .await?;
        if let Some(cart_id) = inserted {
            return Ok(cart_id);
        }
    }
    Err(AppError::internal(
        "cart creation",
        "no free help code after several draws",
    ))
}

fn random_help_code() -> HelpCode {
    let mut rng = rand::thread_rng();
    let mut indexes = [0u8; LENGTH];
    for index in &mut indexes {
        *index = rng.gen_range(0..crate::model::help_code::ALPHABET.len() as u8);
    }
    HelpCode::from_indexes(indexes)
}

/// The cart with its lines and totals.
pub async fn load(db: &PgPool, cart_id: i64) -> Result<CartView, AppError> {
    let (help_code, version): (String, i64) =
        sqlx::query_as("select help_code, version from cart where cart_id = $1")
            .bind(cart_id)
            .fetch_optional(db)
            .await?
            .ok_or_else(|| AppError::NotFound("That cart no longer exists.".into()))?;
    let rows: Vec<(i64, String, String, i64, i32, i32)> = sqlx::query_as(
        "select ci.product_id, p.slug, p.name, p.price_cents, ci.quantity, p.stock
         from cart_item ci join product p using (product_id)
         where ci.cart_id = $1
         order by ci.added_at, ci.product_id",
    )
    .bind(cart_id)
    .fetch_all(db)
    .await?;
    let lines: Vec<CartLine> = rows
        .into_iter()
        .map(
            |(product_id, slug, name, unit_price_cents, quantity, stock)| CartLine {
                product_id,
                slug,
                name,
                unit_price_cents,
                quantity,
                line_total_cents: unit_price_cents * i64::from(quantity),
                stock,
            },
        )
        .collect();
    let subtotal_cents = lines.iter().map(|line| line.line_total_cents).sum();
    let help_code = HelpCode::parse(&help_code)
        .map(|code| code.to_string())
        .unwrap_or(help_code);
    Ok(CartView {
        cart_id,
        help_code,
        version,
        lines,
        subtotal_cents,
        total_cents: subtotal_cents,
    })
}

/// Adds `quantity` of a product, merging with what the cart already holds.
///
/// `request_id` makes a repeated submission (double click, retried post) apply once.
pub async fn add_item(
    db: &PgPool,
    cart_id: i64,
    product_id: i64,
    quantity: i32,
    request_id: Uuid,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    if !record_request(&mut tx, cart_id, request_id).await? {
        return Ok(());
    }
    let (name, stock) = product_for_update(&mut tx, product_id).await?;
    let held: i32 = sqlx::query_scalar(
        "select quantity from cart_item where cart_id = $1 and product_id = $2 for update",
    )
    .bind(cart_id)
    .bind(product_id)
    .fetch_optional(&mut *tx)
    .await?
    .unwrap_or(0);
    let wanted = held + quantity;
    check_quantity(&name, stock, held, wanted)?;
    sqlx::query(
        "insert into cart_item (cart_id, product_id, quantity) values ($1, $2, $3)
         on conflict (cart_id, product_id) do update set quantity = excluded.quantity",
    )
    .bind(cart_id)
    .bind(product_id)
    .bind(wanted)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets the quantity of a product already in the cart.
pub async fn set_quantity(
    db: &PgPool,
    cart_id: i64,
    product_id: i64,
    quantity: i32,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let (name, stock) = product_for_update(&mut tx, product_id).await?;
    let held: i32 = sqlx::query_scalar(
        "select quantity from cart_item where cart_id = $1 and product_id = $2 for update",
    )
    .bind(cart_id)
    .bind(product_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound(format!("{name} is no longer in your cart.")))?;
    if held == quantity {
        return Ok(());
    }
    // Lowering a quantity is always allowed, even when stock has since run short.
    if quantity > held {
        check_quantity(&name, stock, 0, quantity)?;
    }
    sqlx::query("update cart_item set quantity = $3 where cart_id = $1 and product_id = $2")
        .bind(cart_id)
        .bind(product_id)
        .bind(quantity)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a product from the cart. Removing what is already gone is not an error.
pub async fn remove_item(db: &PgPool, cart_id: i64, product_id: i64) -> Result<(), AppError> {
    sqlx::query("delete from cart_item where cart_id = $1 and product_id = $2")
        .bind(cart_id)
        .bind(product_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Remembers that `request_id` was applied to the cart; false when it already was.
async fn record_request(
    tx: &mut Transaction<'_, Postgres>,
    cart_id: i64,
    request_id: Uuid,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "insert into cart_request (cart_id, request_id) values ($1, $2) on conflict do nothing",
    )
    .bind(cart_id)
    .bind(request_id)
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

async fn product_for_update(
    tx: &mut Transaction<'_, Postgres>,
    product_id: i64,
) -> Result<(String, i32), AppError> {
    sqlx::query_as("select name, stock from product where product_id = $1 for share")
        .bind(product_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| AppError::NotFound("That product is not sold here (any more).".into()))
}

fn check_quantity(name: &str, stock: i32, held: i32, wanted: i32) -> Result<(), AppError> {
    if stock == 0 {
        return Err(AppError::Invalid(format!("{name} is out of stock.")));
    }
    if wanted > MAX_QUANTITY {
        return Err(AppError::Invalid(format!(
            "A cart can hold at most {MAX_QUANTITY} of {name}; yours has {held}."
        )));
    }
    if wanted > stock {
        let already = if held > 0 {
            format!(" and your cart already has {held}")
        } else {
            String::new()
        };
        return Err(AppError::Invalid(format!(
            "Only {stock} of {name} left in stock{already}."
        )));
    }
    Ok(())
}
