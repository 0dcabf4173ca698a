//! Orders: placing one from a cart (one transaction: re-price from the database, take stock,
//! snapshot, close the cart), reading them, listing them page by page, cancelling them.

use rand::Rng;
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::cart::{price_rows, PricedRows};
use crate::error::AppError;
use crate::model::help_code::ALPHABET;
use crate::model::money::format_cents;
use crate::model::order::{
    display_order_number, CheckoutDetails, OrderDiscount, OrderLine, OrderStatus, OrderSummary,
    OrderView, ORDER_NUMBER_LENGTH,
};
use crate::model::page::Page;
use crate::model::staff::StaffIdentity;

/// Rows per page of the orders list.
pub const PAGE_SIZE: i64 = 50;

/// An order just placed (or found again for a repeated submission).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub order_id: i64,
    /// Stored form, without the dash.
    pub order_number: String,
}

/// Places an order for `cart_id` as the shopper saw it at `expected_version`.
///
/// One transaction: the cart is locked; a request already placed (same `request_id`) or a
/// cart already ordered finds that order again; the cart is re-priced from the database
/// (never from the form); every product is locked in id order and its stock taken, or
/// nothing is written at all; lines, discounts and totals are copied into the order; the
/// customer is recorded by email; the cart becomes `ordered` (its help code stays reserved
/// for a week, see the migration) and is announced as op `ordered`.
#[tracing::instrument(name = "db.place_order", skip(db, details), fields(cart.id = cart_id))]
pub async fn place(
    db: &PgPool,
    cart_id: i64,
    details: &CheckoutDetails,
    expected_version: i64,
    request_id: Uuid,
) -> Result<Placed, AppError> {
    match by_request(db, request_id).await? {
        Some((placed, of_cart)) if of_cart == cart_id => return Ok(placed),
        Some(_) => return Err(request_used_elsewhere()),
        None => {}
    }
    let mut tx = db.begin().await?;
    let cart: Option<(String, i64)> =
        sqlx::query_as("select status, version from cart where cart_id = $1 for update")
            .bind(cart_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((status, version)) = cart else {
        return Err(AppError::NotFound("Your cart is no longer there.".into()));
    };
    if status == "ordered" {
        // Placed a moment ago (another tab, a second click with a new form): the same order.
        return order_of_cart(&mut tx, cart_id)
            .await?
            .ok_or_else(|| AppError::internal("placing an order", "ordered cart without order"));
    }
    if status != "active" {
        return Err(AppError::NotFound(
            "Your cart is no longer open. Please start again from the catalog.".into(),
        ));
    }
    let PricedRows {
        lines,
        discounts,
        priced,
    } = price_rows(&mut tx, cart_id).await?;
    if version != expected_version {
        return Err(AppError::Conflict(format!(
            "Your cart changed while you were checking out (your sales rep may have updated it): \
             the total is now {}. Please check it and place the order again.",
            format_cents(priced.total_cents)
        )));
    }
    if lines.is_empty() {
        return Err(AppError::Invalid(
            "Your cart is empty: add something before checking out.".into(),
        ));
    }
    take_stock(&mut tx, &lines).await?;
    let customer_id =
        super::customer::record(&mut tx, &details.email, &details.name, "checkout").await?;
    let order_number = insert_order(
        &mut tx,
        cart_id,
        customer_id,
        details,
        request_id,
        (
            priced.subtotal_cents,
            priced.subtotal_cents - priced.total_cents,
            priced.total_cents,
        ),
    )
    .await?;
    let order_id = order_number.0;
    for (position, (row, line)) in lines.iter().zip(&priced.lines).enumerate() {
        sqlx::query(
            "insert into order_line (order_id, position, product_id, product_name,
                                     unit_price_cents, quantity, discount_cents, line_total_cents)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(order_id)
        .bind(position as i32)
        .bind(row.product_id)
        .bind(&row.name)
        .bind(row.price_cents)
        .bind(row.quantity)
        .bind(line.discount_cents)
        .bind(line.total_cents)
        .execute(&mut *tx)
        .await?;
    }
    for (position, (discount, product_name)) in discounts.iter().enumerate() {
        let (kind, basis_points, amount_cents) = match discount.kind {
            crate::model::pricing::DiscountKind::Percent { basis_points } => {
                ("percent", Some(basis_points as i32), None)
            }
            crate::model::pricing::DiscountKind::Fixed { amount_cents } => {
                ("fixed", None, Some(amount_cents))
            }
        };
        sqlx::query(
            "insert into order_discount (order_id, position, discount_id, product_id, product_name,
                                         kind, basis_points, amount_cents, cap_basis_points, reason,
                                         given_by, given_by_name, taken_cents)
             select $1, $2, d.discount_id, d.product_id, $3, $4, $5, $6, d.cap_basis_points, d.reason,
                    d.created_by, $7, $8
             from cart_discount d where d.discount_id = $9",
        )
        .bind(order_id)
        .bind(position as i32)
        .bind(product_name)
        .bind(kind)
        .bind(basis_points)
        .bind(amount_cents)
        .bind(&discount.given_by)
        .bind(priced.taken_by(discount.discount_id))
        .bind(discount.discount_id)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "update cart set status = 'ordered', ordered_at = now(), last_op = 'ordered',
                         customer_id = $2
         where cart_id = $1",
    )
    .bind(cart_id)
    .bind(customer_id)
    .execute(&mut *tx)
    .await?;
    crate::server::payment::order_placed(&mut tx, order_id).await?;
    super::outbox::queue(
        &mut tx,
        &details.email,
        &format!(
            "Your Tandem Cycles order {}",
            display_order_number(&order_number.1)
        ),
        &format!(
            "Hello {},\n\nthank you for your order {} of {}. It is awaiting payment.\n",
            details.name,
            display_order_number(&order_number.1),
            format_cents(priced.total_cents)
        ),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(order.number = %order_number.1, cart.id = cart_id, "order placed");
    Ok(Placed {
        order_id,
        order_number: order_number.1,
    })
}

/// Takes each line's quantity from stock, products locked in id order (so two checkouts
/// never wait on each other crosswise); refuses, writing nothing, if any line asks for more
/// than is left.
async fn take_stock(
    tx: &mut Transaction<'_, Postgres>,
    lines: &[super::cart::LineRow],
) -> Result<(), AppError> {
    let mut ids: Vec<i64> = lines.iter().map(|line| line.product_id).collect();
    ids.sort_unstable();
    let stock: Vec<(i64, String, i32)> = sqlx::query_as(
        "select product_id, name, stock from product where product_id = any($1)
         order by product_id for update",
    )
    .bind(&ids)
    .fetch_all(&mut **tx)
    .await?;
    for line in lines {
        let Some((_, name, left)) = stock.iter().find(|(id, _, _)| *id == line.product_id) else {
            return Err(AppError::NotFound(format!(
                "{} is no longer sold here; please remove it from your cart.",
                line.name
            )));
        };
        if *left < line.quantity {
            return Err(AppError::Invalid(match left {
                0 => format!(
                    "{name} has just sold out: please remove it from your cart to order the rest."
                ),
                left => format!(
                    "Only {left} of {name} left in stock: please lower the quantity in your cart."
                ),
            }));
        }
    }
    for line in lines {
        sqlx::query("update product set stock = stock - $2 where product_id = $1")
            .bind(line.product_id)
            .bind(line.quantity)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Inserts the order row with a fresh random number; (order_id, order_number).
async fn insert_order(
    tx: &mut Transaction<'_, Postgres>,
    cart_id: i64,
    customer_id: i64,
    details: &CheckoutDetails,
    request_id: Uuid,
    (subtotal, discount, total): (i64, i64, i64),
) -> Result<(i64, String), AppError> {
    for _ in 0..8 {
        let number = random_order_number();
        let inserted: Option<i64> = sqlx::query_scalar(
            "insert into shop_order (order_number, cart_id, customer_id, request_id, contact_name,
                                     email, address_line, postal_code, city, country,
                                     subtotal_cents, discount_cents, total_cents)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             on conflict (order_number) do nothing
             returning order_id",
        )
        .bind(&number)
        .bind(cart_id)
        .bind(customer_id)
        .bind(request_id)
        .bind(&details.name)
        .bind(&details.email)
        .bind(&details.address_line)
        .bind(&details.postal_code)
        .bind(&details.city)
        .bind(&details.country)
        .bind(subtotal)
        .bind(discount)
        .bind(total)
        .fetch_optional(&mut **tx)
        .await
        .map_err(|error| {
            // Order numbers are redrawn above: the other unique column is the request id,
            // taken meanwhile by another cart's order.
            let unique = error
                .as_database_error()
                .and_then(|error| error.code())
                .is_some_and(|code| code == "23505");
            if unique {
                request_used_elsewhere()
            } else {
                AppError::from(error)
            }
        })?;
        if let Some(order_id) = inserted {
            return Ok((order_id, number));
        }
    }
    Err(AppError::internal(
        "placing an order",
        "no free order number after several draws",
    ))
}

fn random_order_number() -> String {
    let mut rng = rand::thread_rng();
    (0..ORDER_NUMBER_LENGTH)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A request id is the checkout form's: one used for another cart's order is refused, never
/// answered with that order.
fn request_used_elsewhere() -> AppError {
    AppError::Conflict(
        "That checkout form was already used for another order: reload the page and place \
         the order again."
            .into(),
    )
}

/// The order placed by `request_id`, with the cart it was placed from.
async fn by_request(db: &PgPool, request_id: Uuid) -> sqlx::Result<Option<(Placed, i64)>> {
    let row: Option<PlacedRow> = sqlx::query_as(
        "select order_id, order_number, cart_id from shop_order where request_id = $1",
    )
    .bind(request_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(PlacedRow::split))
}

/// The order placed by `request_id` from a cart of this browser (one of `token_hashes`), if
/// any: a checkout sent again after it went through (its answer lost, a second click) finds
/// its order though the cart is no longer open.
#[tracing::instrument(name = "db.order_placed_by", skip(db, token_hashes))]
pub async fn placed_by(
    db: &PgPool,
    request_id: Uuid,
    token_hashes: &[Vec<u8>],
) -> sqlx::Result<Option<Placed>> {
    let row: Option<PlacedRow> = sqlx::query_as(
        "select o.order_id, o.order_number, o.cart_id
         from shop_order o join cart c using (cart_id)
         where o.request_id = $1 and c.token_hash = any($2)",
    )
    .bind(request_id)
    .bind(token_hashes)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| row.split().0))
}

#[derive(sqlx::FromRow)]
struct PlacedRow {
    order_id: i64,
    order_number: String,
    cart_id: i64,
}

impl PlacedRow {
    fn split(self) -> (Placed, i64) {
        let placed = Placed {
            order_id: self.order_id,
            order_number: self.order_number,
        };
        (placed, self.cart_id)
    }
}

async fn order_of_cart(
    tx: &mut Transaction<'_, Postgres>,
    cart_id: i64,
) -> sqlx::Result<Option<Placed>> {
    let row: Option<(i64, String)> =
        sqlx::query_as("select order_id, order_number from shop_order where cart_id = $1")
            .bind(cart_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(order_id, order_number)| Placed {
        order_id,
        order_number,
    }))
}

/// An order row as stored.
#[derive(sqlx::FromRow)]
struct OrderRow {
    order_id: i64,
    order_number: String,
    cart_id: i64,
    status: String,
    contact_name: String,
    email: String,
    address_line: String,
    postal_code: String,
    city: String,
    country: String,
    subtotal_cents: i64,
    discount_cents: i64,
    total_cents: i64,
    created_at: String,
    cancel_reason: Option<String>,
}

const ORDER_COLUMNS: &str = "o.order_id, o.order_number, o.cart_id, o.status, o.contact_name,
    o.email::text as email, o.address_line, o.postal_code, o.city, o.country, o.subtotal_cents,
    o.discount_cents, o.total_cents,
    to_char(o.created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') as created_at,
    o.cancel_reason";

/// The order with this number, in full.
#[tracing::instrument(name = "db.order_by_number", skip(db))]
pub async fn by_number(db: &PgPool, order_number: &str) -> Result<Option<OrderView>, AppError> {
    let row: Option<OrderRow> = sqlx::query_as(&format!(
        "select {ORDER_COLUMNS} from shop_order o where o.order_number = $1"
    ))
    .bind(order_number)
    .fetch_optional(db)
    .await?;
    match row {
        Some(row) => Ok(Some(view(db, row).await?)),
        None => Ok(None),
    }
}

/// The order with this number, if it was placed from a cart whose token hashes to one of
/// `token_hashes` (the shopper's own).
#[tracing::instrument(name = "db.own_order", skip(db, token_hashes))]
pub async fn own(
    db: &PgPool,
    order_number: &str,
    token_hashes: &[Vec<u8>],
) -> Result<Option<OrderView>, AppError> {
    let row: Option<OrderRow> = sqlx::query_as(&format!(
        "select {ORDER_COLUMNS} from shop_order o join cart c using (cart_id)
         where o.order_number = $1 and c.token_hash = any($2)"
    ))
    .bind(order_number)
    .bind(token_hashes)
    .fetch_optional(db)
    .await?;
    match row {
        Some(row) => Ok(Some(view(db, row).await?)),
        None => Ok(None),
    }
}

/// The number of the order placed from `cart_id`, if any, and when.
pub async fn of_cart(db: &PgPool, cart_id: i64) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as(
        "select order_number,
                to_char(created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
         from shop_order where cart_id = $1",
    )
    .bind(cart_id)
    .fetch_optional(db)
    .await
}

async fn view(db: &PgPool, row: OrderRow) -> sqlx::Result<OrderView> {
    let lines: Vec<(i64, String, i64, i32, i64, i64)> = sqlx::query_as(
        "select product_id, product_name, unit_price_cents, quantity, discount_cents, line_total_cents
         from order_line where order_id = $1 order by position",
    )
    .bind(row.order_id)
    .fetch_all(db)
    .await?;
    let discounts: Vec<DiscountSnapshot> = sqlx::query_as(
        "select kind, basis_points, amount_cents, product_name, reason, given_by_name, taken_cents
         from order_discount where order_id = $1 order by position",
    )
    .bind(row.order_id)
    .fetch_all(db)
    .await?;
    let details = CheckoutDetails {
        email: row.email.clone(),
        name: row.contact_name.clone(),
        address_line: row.address_line,
        postal_code: row.postal_code,
        city: row.city,
        country: row.country,
    };
    Ok(OrderView {
        order_number: display_order_number(&row.order_number),
        status: OrderStatus::parse(&row.status).unwrap_or(OrderStatus::AwaitingPayment),
        contact_name: row.contact_name,
        email: row.email,
        address: details.address(),
        lines: lines
            .into_iter()
            .map(
                |(
                    product_id,
                    product_name,
                    unit_price_cents,
                    quantity,
                    discount_cents,
                    line_total_cents,
                )| {
                    OrderLine {
                        product_id,
                        product_name,
                        unit_price_cents,
                        quantity,
                        discount_cents,
                        line_total_cents,
                    }
                },
            )
            .collect(),
        discounts: discounts
            .into_iter()
            .map(DiscountSnapshot::into_view)
            .collect(),
        subtotal_cents: row.subtotal_cents,
        discount_cents: row.discount_cents,
        total_cents: row.total_cents,
        created_at: row.created_at,
        cart_id: row.cart_id,
        cancel_reason: row.cancel_reason,
    })
}

#[derive(sqlx::FromRow)]
struct DiscountSnapshot {
    kind: String,
    basis_points: Option<i32>,
    amount_cents: Option<i64>,
    product_name: Option<String>,
    reason: String,
    given_by_name: String,
    taken_cents: i64,
}

impl DiscountSnapshot {
    fn into_view(self) -> OrderDiscount {
        use crate::model::pricing::{Discount, DiscountKind};
        let kind = if self.kind == "percent" {
            DiscountKind::Percent {
                basis_points: i64::from(self.basis_points.unwrap_or(0)),
            }
        } else {
            DiscountKind::Fixed {
                amount_cents: self.amount_cents.unwrap_or(0),
            }
        };
        let amount = Discount {
            discount_id: 0,
            product_id: None,
            kind,
            reason: String::new(),
            given_by: String::new(),
            cap_basis_points: None,
        }
        .describe();
        OrderDiscount {
            amount,
            product_name: self.product_name,
            reason: self.reason,
            given_by: self.given_by_name,
            taken_cents: self.taken_cents,
        }
    }
}

/// What the staff orders list is narrowed to.
#[derive(Clone, Debug, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// Part of the customer's email or name.
    pub customer: Option<String>,
}

/// A page of orders, newest first, after `cursor` (the last row of the previous page).
#[tracing::instrument(name = "db.list_orders", skip(db))]
pub async fn list(
    db: &PgPool,
    filter: &OrderFilter,
    cursor: Option<&str>,
) -> Result<Page<OrderSummary>, AppError> {
    let (after_time, after_id) = match cursor {
        Some(cursor) => parse_cursor(cursor)?,
        None => (i64::MAX, i64::MAX),
    };
    let pattern = filter
        .customer
        .as_deref()
        .map(|typed| format!("%{}%", super::escape_like(typed)));
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "select o.order_id, o.order_number, o.status, cu.name || ' <' || cu.email || '>' as customer,
                (select coalesce(sum(quantity), 0) from order_line l where l.order_id = o.order_id)::bigint as item_count,
                o.total_cents,
                to_char(o.created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') as created_at,
                (extract(epoch from o.created_at) * 1000000)::bigint as created_micros
         from shop_order o join customer cu using (customer_id)
         where ($1::text is null or o.status = $1)
           and ($2::text is null or cu.email ilike $2 or cu.name ilike $2)
           and ((extract(epoch from o.created_at) * 1000000)::bigint, o.order_id) < ($3, $4)
         order by o.created_at desc, o.order_id desc
         limit $5",
    )
    .bind(filter.status.map(OrderStatus::as_str))
    .bind(pattern)
    .bind(after_time)
    .bind(after_id)
    .bind(PAGE_SIZE + 1)
    .fetch_all(db)
    .await?;
    Ok(page(rows))
}

/// Orders whose numbers or customers match, for the finder (first page only).
pub async fn for_customers(db: &PgPool, customer_ids: &[i64]) -> sqlx::Result<Vec<OrderSummary>> {
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "select o.order_id, o.order_number, o.status, cu.name || ' <' || cu.email || '>' as customer,
                (select coalesce(sum(quantity), 0) from order_line l where l.order_id = o.order_id)::bigint as item_count,
                o.total_cents,
                to_char(o.created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') as created_at,
                0::bigint as created_micros
         from shop_order o join customer cu using (customer_id)
         where o.customer_id = any($1)
         order by o.created_at desc, o.order_id desc
         limit $2",
    )
    .bind(customer_ids)
    .bind(PAGE_SIZE)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(SummaryRow::into_summary).collect())
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    order_id: i64,
    order_number: String,
    status: String,
    customer: String,
    item_count: i64,
    total_cents: i64,
    created_at: String,
    created_micros: i64,
}

impl SummaryRow {
    fn into_summary(self) -> OrderSummary {
        OrderSummary {
            order_id: self.order_id,
            order_number: display_order_number(&self.order_number),
            status: OrderStatus::parse(&self.status).unwrap_or(OrderStatus::AwaitingPayment),
            customer: self.customer,
            item_count: self.item_count,
            total_cents: self.total_cents,
            created_at: self.created_at,
        }
    }
}

fn page(mut rows: Vec<SummaryRow>) -> Page<OrderSummary> {
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let next = more
        .then(|| {
            rows.last()
                .map(|row| format!("{}.{}", row.created_micros, row.order_id))
        })
        .flatten();
    Page {
        items: rows.into_iter().map(SummaryRow::into_summary).collect(),
        next,
    }
}

fn parse_cursor(cursor: &str) -> Result<(i64, i64), AppError> {
    cursor
        .split_once('.')
        .and_then(|(time, id)| Some((time.parse().ok()?, id.parse().ok()?)))
        .ok_or_else(|| {
            AppError::Invalid("That page link is not valid; start from the first page.".into())
        })
}

/// Cancels an order awaiting payment and puts its stock back; `staff` is `None` when the
/// housekeeping sweep cancels an order left unpaid too long.
#[tracing::instrument(name = "db.cancel_order", skip(db, staff, reason))]
pub async fn cancel(
    db: &PgPool,
    order_number: &str,
    staff: Option<&StaffIdentity>,
    reason: &str,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let row: Option<(i64, i64, String)> = sqlx::query_as(
        "select order_id, cart_id, status from shop_order where order_number = $1 for update",
    )
    .bind(order_number)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((order_id, cart_id, status)) = row else {
        return Err(AppError::NotFound(
            "There is no order with that number.".into(),
        ));
    };
    match status.as_str() {
        "awaiting_payment" => {}
        "cancelled" => return Ok(()),
        _ => {
            return Err(AppError::NotAllowed(
                "This order is paid: refund it before cancelling.".into(),
            ))
        }
    }
    let lines: Vec<(i64, i32)> = sqlx::query_as(
        "select product_id, quantity from order_line where order_id = $1 order by product_id",
    )
    .bind(order_id)
    .fetch_all(&mut *tx)
    .await?;
    for (product_id, quantity) in &lines {
        sqlx::query("update product set stock = stock + $2 where product_id = $1")
            .bind(product_id)
            .bind(quantity)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "update shop_order set status = 'cancelled', cancelled_at = now(), cancelled_by = $2,
                               cancel_reason = $3
         where order_id = $1",
    )
    .bind(order_id)
    .bind(staff.map(|staff| staff.staff_id))
    .bind(reason)
    .execute(&mut *tx)
    .await?;
    if let Some(staff) = staff {
        sqlx::query(
            "insert into cart_audit (cart_id, staff_id, action, detail) values ($1, $2, 'order_cancelled', $3)",
        )
        .bind(cart_id)
        .bind(staff.staff_id)
        .bind(json!({"order_number": order_number, "reason": reason}))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    tracing::info!(order.number = order_number, reason, "order cancelled");
    Ok(())
}

/// Cancels orders left awaiting payment for more than `days`; how many.
pub async fn expire_unpaid(db: &PgPool, days: u32) -> Result<usize, AppError> {
    let numbers: Vec<String> = sqlx::query_scalar(
        "select order_number from shop_order
         where status = 'awaiting_payment' and created_at < now() - make_interval(days => $1)",
    )
    .bind(days as i32)
    .fetch_all(db)
    .await?;
    for number in &numbers {
        cancel(db, number, None, &format!("Not paid within {days} days")).await?;
    }
    Ok(numbers.len())
}
