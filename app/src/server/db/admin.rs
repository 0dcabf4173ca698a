//! Queries behind the rep's views: the active-carts list, the cart finder, the cart detail.
//! Each is shaped to use an index so it stays fast with 100k carts (see the note in the
//! README's "Cart finder" section for measured figures).

use sqlx::PgPool;

use super::cart;
use crate::error::AppError;
use crate::model::admin::{describe_device, CartDetail, CartSummary, FinderResult};
use crate::model::help_code::HelpCode;

/// Most results any list returns.
pub const LIST_LIMIT: i64 = 50;

type SummaryRow = (i64, String, i64, i64, i64, i64, Option<String>, String);

/// Summaries of the given carts (already chosen and limited), most recent activity first.
/// Totals are line totals; discounts are applied on the detail page.
async fn summaries(db: &PgPool, cart_ids: &[i64]) -> sqlx::Result<Vec<CartSummary>> {
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "select c.cart_id, c.help_code, c.version,
                coalesce(items.count, 0), coalesce(items.total, 0),
                extract(epoch from now() - c.updated_at)::bigint,
                case when cu.customer_id is null then null else cu.name || ' <' || cu.email || '>' end,
                c.user_agent
         from cart c
         left join customer cu using (customer_id)
         left join lateral (
             select sum(ci.quantity)::bigint as count, sum(ci.quantity * p.price_cents)::bigint as total
             from cart_item ci join product p using (product_id)
             where ci.cart_id = c.cart_id
         ) items on true
         where c.cart_id = any($1)
         order by c.updated_at desc, c.cart_id desc",
    )
    .bind(cart_ids)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                cart_id,
                help_code,
                version,
                item_count,
                total_cents,
                idle_seconds,
                customer,
                user_agent,
            )| {
                CartSummary {
                    cart_id,
                    help_code: display_code(&help_code),
                    version,
                    item_count,
                    total_cents,
                    idle_seconds,
                    customer,
                    device: describe_device(&user_agent),
                }
            },
        )
        .collect())
}

fn display_code(stored: &str) -> String {
    HelpCode::parse(stored).map_or_else(|_| stored.to_string(), |code| code.to_string())
}

/// Active carts, most recent activity first.
pub async fn active_carts(db: &PgPool) -> sqlx::Result<Vec<CartSummary>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "select cart_id from cart where status = 'active' order by updated_at desc limit $1",
    )
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await?;
    summaries(db, &ids).await
}

/// Finds active carts by what a rep types: a help code (any case, dash optional) goes
/// straight to its cart; an email or name finds the customer's carts; anything else also
/// finds carts holding a product whose name contains it.
pub async fn find(db: &PgPool, typed: &str) -> Result<FinderResult, AppError> {
    let typed = typed.trim();
    if typed.chars().count() < 2 {
        return Err(AppError::Invalid(
            "Type a help code (like K7M-2QX), a customer's email or name, or a product.".into(),
        ));
    }
    if typed.len() > 200 {
        return Err(AppError::Invalid("That search is too long.".into()));
    }
    if let Ok(code) = HelpCode::parse(typed) {
        let ids: Vec<i64> = sqlx::query_scalar(
            "select cart_id from cart where help_code = $1 and status = 'active'",
        )
        .bind(code.as_str())
        .fetch_all(db)
        .await?;
        if !ids.is_empty() {
            let carts = summaries(db, &ids).await?;
            return Ok(FinderResult {
                matched_by: "help code".into(),
                exact_cart: (carts.len() == 1).then(|| carts[0].cart_id),
                carts,
            });
        }
    }
    let pattern = format!("%{}%", escape_like(typed));
    let by_customer: Vec<i64> = sqlx::query_scalar(
        "select c.cart_id from cart c
         where c.status = 'active' and c.customer_id in (
             select customer_id from customer where email ilike $1 or name ilike $1)
         order by c.updated_at desc limit $2",
    )
    .bind(&pattern)
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await?;
    if !by_customer.is_empty() {
        return Ok(FinderResult {
            matched_by: "customer".into(),
            carts: summaries(db, &by_customer).await?,
            exact_cart: None,
        });
    }
    let by_product: Vec<i64> = sqlx::query_scalar(
        "select c.cart_id from cart c
         where c.status = 'active' and exists (
             select 1 from cart_item ci
             where ci.cart_id = c.cart_id
               and ci.product_id in (select product_id from product where name ilike $1))
         order by c.updated_at desc limit $2",
    )
    .bind(&pattern)
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await?;
    Ok(FinderResult {
        matched_by: "product".into(),
        carts: summaries(db, &by_product).await?,
        exact_cart: None,
    })
}

/// `%` and `_` typed by a rep are literal characters, not wildcards.
fn escape_like(typed: &str) -> String {
    typed
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The detail page's data for one cart.
pub async fn detail(db: &PgPool, cart_id: i64) -> Result<CartDetail, AppError> {
    let row: Option<(String, Option<String>, String, i64, i64)> = sqlx::query_as(
        "select c.status,
                case when cu.customer_id is null then null else cu.name || ' <' || cu.email || '>' end,
                c.user_agent,
                extract(epoch from now() - c.updated_at)::bigint,
                extract(epoch from now() - c.created_at)::bigint
         from cart c left join customer cu using (customer_id)
         where c.cart_id = $1",
    )
    .bind(cart_id)
    .fetch_optional(db)
    .await?;
    let (status, customer, user_agent, idle_seconds, created_seconds_ago) =
        row.ok_or_else(|| AppError::NotFound("There is no cart with that number.".into()))?;
    Ok(CartDetail {
        cart: cart::load(db, cart_id).await?,
        status,
        customer,
        device: describe_device(&user_agent),
        user_agent,
        idle_seconds,
        created_seconds_ago,
        audit: super::rep::audit_trail(db, cart_id).await?,
        shopper_online: false,
    })
}
