//! Queries behind the rep's views: the active-carts list, the cart finder, the cart detail.
//! Each is shaped to use an index so it stays fast with 100k carts (see the note in the
//! README's "Cart finder" section for measured figures). Lists are paginated by keyset: a
//! cursor names the last row shown (`<updated_at>|<cart_id>`), so rows changing meanwhile
//! never shift a page.

use sqlx::PgPool;

use super::{cart, escape_like};
use crate::error::AppError;
use crate::model::admin::{describe_device, CartDetail, CartList, CartSummary, FinderResult};
use crate::model::help_code::HelpCode;
use crate::model::order::{display_order_number, parse_order_number};
use crate::model::page::Page;
use crate::model::pricing::{price, Discount, LineInput};

/// Most rows a page of any list holds.
pub const LIST_LIMIT: i64 = crate::model::admin::CARTS_PER_PAGE as i64;

/// A cart chosen for a list, with its place in the order.
#[derive(sqlx::FromRow)]
struct Chosen {
    cart_id: i64,
    /// `updated_at` to the microsecond, for the cursor.
    position: String,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    cart_id: i64,
    help_code: String,
    version: i64,
    status: String,
    updated_at: String,
    customer: Option<String>,
    user_agent: String,
    /// The cart's lines, in the order they were added, as three parallel arrays.
    line_products: Vec<i64>,
    line_prices: Vec<i64>,
    line_quantities: Vec<i32>,
}

/// Summaries of the given carts (already chosen and limited), most recent activity first,
/// their totals priced by `model::pricing` with every discount in force: two queries
/// whatever the number of carts (a live list reads each change once, see `summary_cache`).
#[tracing::instrument(name = "db.cart_summaries", skip(db, cart_ids), fields(carts = cart_ids.len()))]
pub async fn summaries(db: &PgPool, cart_ids: &[i64]) -> sqlx::Result<Vec<CartSummary>> {
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "select c.cart_id, c.help_code, c.version, c.status,
                to_char(c.updated_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') as updated_at,
                case when cu.customer_id is null then null
                     else cu.name || ' <' || cu.email || '>'
                          || case when cu.source = 'cart_link' then ' (unverified)' else '' end
                end as customer,
                c.user_agent,
                coalesce(l.products, '{}') as line_products,
                coalesce(l.prices, '{}') as line_prices,
                coalesce(l.quantities, '{}') as line_quantities
         from cart c
         left join customer cu using (customer_id)
         left join lateral (
             select array_agg(ci.product_id order by ci.added_at, ci.product_id) as products,
                    array_agg(p.price_cents order by ci.added_at, ci.product_id) as prices,
                    array_agg(ci.quantity order by ci.added_at, ci.product_id) as quantities
             from cart_item ci join product p using (product_id)
             where ci.cart_id = c.cart_id
         ) l on true
         where c.cart_id = any($1)
         order by c.updated_at desc, c.cart_id desc",
    )
    .bind(cart_ids)
    .fetch_all(db)
    .await?;
    let discounts = super::discount::in_force_for(db, cart_ids).await?;
    let none: Vec<Discount> = Vec::new();
    Ok(rows
        .into_iter()
        .map(|row| {
            let lines: Vec<LineInput> = row
                .line_products
                .iter()
                .zip(&row.line_prices)
                .zip(&row.line_quantities)
                .map(|((product_id, unit_price_cents), quantity)| LineInput {
                    product_id: *product_id,
                    unit_price_cents: *unit_price_cents,
                    quantity: i64::from(*quantity),
                })
                .collect();
            let priced = price(&lines, discounts.get(&row.cart_id).unwrap_or(&none));
            CartSummary {
                cart_id: row.cart_id,
                help_code: display_code(&row.help_code),
                version: row.version,
                status: row.status,
                item_count: lines.iter().map(|line| line.quantity).sum(),
                total_cents: priced.total_cents,
                updated_at: row.updated_at,
                customer: row.customer,
                device: describe_device(&row.user_agent),
            }
        })
        .collect())
}

fn display_code(stored: &str) -> String {
    HelpCode::parse(stored).map_or_else(|_| stored.to_string(), |code| code.to_string())
}

/// The part of a cursor before `|`, checked to be a timestamp, and the id after it.
fn parse_cursor(cursor: Option<&str>) -> Result<Option<(String, i64)>, AppError> {
    let Some(cursor) = cursor.filter(|cursor| !cursor.is_empty()) else {
        return Ok(None);
    };
    let invalid =
        || AppError::Invalid("That page link is not valid; start from the first page.".into());
    let (time, id) = cursor.split_once('|').ok_or_else(invalid)?;
    let plausible = time.len() <= 40
        && time
            .bytes()
            .all(|b| b.is_ascii_digit() || b"-:.TZ".contains(&b));
    if !plausible {
        return Err(invalid());
    }
    Ok(Some((time.to_string(), id.parse().map_err(|_| invalid())?)))
}

/// A page of summaries for `chosen` (one row more than a page was asked for, to know
/// whether another page follows).
async fn page_of(db: &PgPool, mut chosen: Vec<Chosen>) -> sqlx::Result<Page<CartSummary>> {
    let more = chosen.len() as i64 > LIST_LIMIT;
    chosen.truncate(LIST_LIMIT as usize);
    let next = more
        .then(|| {
            chosen
                .last()
                .map(|last| format!("{}|{}", last.position, last.cart_id))
        })
        .flatten();
    let ids: Vec<i64> = chosen.iter().map(|c| c.cart_id).collect();
    Ok(Page {
        items: summaries(db, &ids).await?,
        next,
    })
}

/// `updated_at` as a cursor part: UTC to the microsecond.
const POSITION: &str =
    "to_char(c.updated_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') as position";

/// This process's clock as the pages show it (RFC 3339, UTC, to the microsecond). Not the
/// database's: asking it would cost every live refetch a query.
pub fn now() -> String {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_micros() as i64);
    crate::model::admin::format_utc(micros)
}

/// Active carts, most recent activity first, a page after `cursor`.
#[tracing::instrument(name = "db.active_carts", skip(db))]
pub async fn active_carts(
    db: &PgPool,
    cursor: Option<&str>,
    with_empty: bool,
) -> Result<CartList, AppError> {
    let after = parse_cursor(cursor)?;
    let chosen: Vec<Chosen> = sqlx::query_as(&format!(
        "select c.cart_id, {POSITION} from cart c
         where c.status = 'active'
           and ($1::timestamptz is null or (c.updated_at, c.cart_id) < ($1::timestamptz, $2))
           and ($4 or exists (select 1 from cart_item ci where ci.cart_id = c.cart_id))
         order by c.updated_at desc, c.cart_id desc limit $3"
    ))
    .bind(after.as_ref().map(|(time, _)| time.as_str()))
    .bind(after.as_ref().map_or(0, |(_, id)| *id))
    .bind(LIST_LIMIT + 1)
    .bind(with_empty)
    .fetch_all(db)
    .await?;
    let page = page_of(db, chosen).await?;
    Ok(CartList {
        items: page.items,
        next: page.next,
        as_of: now(),
    })
}

/// Finds carts and orders by what a rep types: a help code (any case, dash optional) goes
/// straight to its cart, or to its order for a week after the cart was ordered; an order
/// number goes to the order; an email or name finds the customer's carts and orders;
/// anything else finds carts holding a product whose name contains it. Carts come a page at
/// a time after `cursor`.
#[tracing::instrument(name = "db.find", skip(db))]
pub async fn find(
    db: &PgPool,
    typed: &str,
    cursor: Option<&str>,
) -> Result<FinderResult, AppError> {
    let typed = typed.trim();
    if typed.chars().count() < 2 {
        return Err(AppError::Invalid(
            "Type a help code (like K7M-2QX), an order number, a customer's email or name, or a product."
                .into(),
        ));
    }
    if typed.len() > 200 {
        return Err(AppError::Invalid("That search is too long.".into()));
    }
    let after = parse_cursor(cursor)?;
    let as_of = now();
    let empty = |matched_by: &str| FinderResult {
        matched_by: matched_by.into(),
        carts: Vec::new(),
        next: None,
        as_of: as_of.clone(),
        exact_cart: None,
        exact_order: None,
        orders: Vec::new(),
    };
    if let Ok(code) = HelpCode::parse(typed) {
        let held: Vec<(i64, String, Option<String>)> = sqlx::query_as(
            "select c.cart_id, c.status, o.order_number from cart c
             left join shop_order o using (cart_id)
             where c.help_code = $1 and c.code_held",
        )
        .bind(code.as_str())
        .fetch_all(db)
        .await?;
        if let [(cart_id, status, order)] = held.as_slice() {
            let mut result = empty("help code");
            if status == "ordered" {
                result.exact_order = order.as_deref().map(display_order_number);
            } else {
                result.exact_cart = Some(*cart_id);
            }
            result.carts = summaries(db, &[*cart_id]).await?;
            return Ok(result);
        }
    }
    if let Some(number) = parse_order_number(typed) {
        let found: Option<String> =
            sqlx::query_scalar("select order_number from shop_order where order_number = $1")
                .bind(&number)
                .fetch_optional(db)
                .await?;
        if let Some(number) = found {
            let mut result = empty("order number");
            result.exact_order = Some(display_order_number(&number));
            return Ok(result);
        }
    }
    let pattern = format!("%{}%", escape_like(typed));
    let customers: Vec<i64> = sqlx::query_scalar(
        "select customer_id from customer where email ilike $1 or name ilike $1 limit 200",
    )
    .bind(&pattern)
    .fetch_all(db)
    .await?;
    if !customers.is_empty() {
        let chosen: Vec<Chosen> = sqlx::query_as(&format!(
            "select c.cart_id, {POSITION} from cart c
             where c.status = 'active' and c.customer_id = any($1)
               and ($2::timestamptz is null or (c.updated_at, c.cart_id) < ($2::timestamptz, $3))
             order by c.updated_at desc, c.cart_id desc limit $4"
        ))
        .bind(&customers)
        .bind(after.as_ref().map(|(time, _)| time.as_str()))
        .bind(after.as_ref().map_or(0, |(_, id)| *id))
        .bind(LIST_LIMIT + 1)
        .fetch_all(db)
        .await?;
        let page = page_of(db, chosen).await?;
        let orders = super::order::for_customers(db, &customers).await?;
        if !page.items.is_empty() || !orders.is_empty() {
            return Ok(FinderResult {
                matched_by: "customer".into(),
                carts: page.items,
                next: page.next,
                as_of: as_of.clone(),
                exact_cart: None,
                exact_order: None,
                orders,
            });
        }
    }
    let chosen: Vec<Chosen> = sqlx::query_as(&format!(
        "select c.cart_id, {POSITION} from cart c
         where c.status = 'active' and exists (
             select 1 from cart_item ci
             where ci.cart_id = c.cart_id
               and ci.product_id in (select product_id from product where name ilike $1))
           and ($2::timestamptz is null or (c.updated_at, c.cart_id) < ($2::timestamptz, $3))
         order by c.updated_at desc, c.cart_id desc limit $4"
    ))
    .bind(&pattern)
    .bind(after.as_ref().map(|(time, _)| time.as_str()))
    .bind(after.as_ref().map_or(0, |(_, id)| *id))
    .bind(LIST_LIMIT + 1)
    .fetch_all(db)
    .await?;
    let page = page_of(db, chosen).await?;
    // A miss says what the rep typed looked like: "No cart with code ZZZ-ZZZ", not "no product
    // matching zzz-zzz", when it is shaped like a help code or an order number.
    let matched_by = if !page.items.is_empty() {
        "product"
    } else if HelpCode::parse(typed).is_ok() {
        "help code"
    } else if parse_order_number(typed).is_some() {
        "order number"
    } else {
        "product"
    };
    let mut result = empty(matched_by);
    result.carts = page.items;
    result.next = page.next;
    Ok(result)
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    status: String,
    customer: Option<String>,
    user_agent: String,
    idle_seconds: i64,
    created_seconds_ago: i64,
}

/// The detail page's data for one cart.
#[tracing::instrument(name = "db.cart_detail", skip(db))]
pub async fn detail(db: &PgPool, cart_id: i64) -> Result<CartDetail, AppError> {
    let row: Option<DetailRow> = sqlx::query_as(
        "select c.status,
                case when cu.customer_id is null then null
                     else cu.name || ' <' || cu.email || '>'
                          || case when cu.source = 'cart_link' then ' (unverified)' else '' end
                end as customer,
                c.user_agent,
                extract(epoch from now() - c.updated_at)::bigint as idle_seconds,
                extract(epoch from now() - c.created_at)::bigint as created_seconds_ago
         from cart c left join customer cu using (customer_id)
         where c.cart_id = $1",
    )
    .bind(cart_id)
    .fetch_optional(db)
    .await?;
    let row = row.ok_or_else(|| AppError::NotFound("There is no cart with that number.".into()))?;
    let order = super::order::of_cart(db, cart_id).await?;
    Ok(CartDetail {
        cart: cart::load(db, cart_id).await?,
        status: row.status,
        customer: row.customer,
        device: describe_device(&row.user_agent),
        user_agent: row.user_agent,
        idle_seconds: row.idle_seconds,
        created_seconds_ago: row.created_seconds_ago,
        audit: super::rep::audit_trail(db, cart_id).await?,
        shopper_online: false,
        order: order.map(|(number, at)| (display_order_number(&number), at)),
        discount_cap: None,
        visit: None,
    })
}
