//! Cart queries. Every change runs in one transaction; the triggers in the cart migration
//! version the cart and announce the change on `cart_activity` when it commits.

use rand::Rng;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::cart::{AppliedDiscount, CartLine, CartView, PushedLink, MAX_QUANTITY};
use crate::model::help_code::{HelpCode, LENGTH};
use crate::model::pricing::{price, Discount, LineInput, PricedCart};

/// How often to draw a new help code when the drawn one is taken by another active cart.
const HELP_CODE_ATTEMPTS: usize = 8;

/// The active cart whose token (its own, or one given to another browser through an
/// emailed link) hashes to `token_hash`.
pub async fn find_active_by_token(db: &PgPool, token_hash: &[u8]) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "select cart_id from cart where token_hash = $1 and status = 'active'
         union all
         select c.cart_id from cart_token t join cart c using (cart_id)
         where t.token_hash = $1 and c.status = 'active'
         limit 1",
    )
    .bind(token_hash)
    .fetch_optional(db)
    .await
}

/// Ties another browser to `cart_id` with a token of its own.
pub async fn add_token(db: &PgPool, cart_id: i64, token_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query("insert into cart_token (token_hash, cart_id) values ($1, $2)")
        .bind(token_hash)
        .bind(cart_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The help code of a cart, as it is read out.
pub async fn help_code(db: &PgPool, cart_id: i64) -> sqlx::Result<Option<String>> {
    let code: Option<String> = sqlx::query_scalar("select help_code from cart where cart_id = $1")
        .bind(cart_id)
        .fetch_optional(db)
        .await?;
    Ok(code.map(|code| {
        HelpCode::parse(&code)
            .map(|code| code.to_string())
            .unwrap_or(code)
    }))
}

/// Opens a new cart with a fresh help code that no other active cart has.
pub async fn create(db: &PgPool, token_hash: &[u8], user_agent: &str) -> Result<i64, AppError> {
    let user_agent: String = user_agent.chars().take(512).collect();
    for _ in 0..HELP_CODE_ATTEMPTS {
        let code = random_help_code();
        let inserted = sqlx::query_scalar(
            "insert into cart (token_hash, help_code, user_agent) values ($1, $2, $3)
             on conflict (help_code) where code_held do nothing
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

/// A cart line as stored, with its product.
#[derive(sqlx::FromRow)]
pub(crate) struct LineRow {
    pub product_id: i64,
    pub slug: String,
    pub name: String,
    pub price_cents: i64,
    pub quantity: i32,
    pub stock: i32,
}

/// A cart's lines and discounts as the connection sees them, and their pricing: the one
/// place a stored cart is priced (for display and for the rep's cap checks alike).
pub(crate) struct PricedRows {
    pub lines: Vec<LineRow>,
    pub discounts: Vec<(Discount, Option<String>)>,
    pub priced: PricedCart,
}

impl PricedRows {
    /// The same lines priced with other `discounts` (a what-if: the rep's cap message says
    /// what a discount would have taken uncapped).
    pub(crate) fn repriced(&self, discounts: &[Discount]) -> PricedCart {
        price(&line_inputs(&self.lines), discounts)
    }
}

fn line_inputs(lines: &[LineRow]) -> Vec<LineInput> {
    lines
        .iter()
        .map(|line| LineInput {
            product_id: line.product_id,
            unit_price_cents: line.price_cents,
            quantity: i64::from(line.quantity),
        })
        .collect()
}

#[tracing::instrument(name = "db.price_cart", skip(conn))]
pub(crate) async fn price_rows(
    conn: &mut sqlx::PgConnection,
    cart_id: i64,
) -> sqlx::Result<PricedRows> {
    let lines: Vec<LineRow> = sqlx::query_as(
        "select ci.product_id, p.slug, p.name, p.price_cents, ci.quantity, p.stock
         from cart_item ci join product p using (product_id)
         where ci.cart_id = $1
         order by ci.added_at, ci.product_id",
    )
    .bind(cart_id)
    .fetch_all(&mut *conn)
    .await?;
    let discounts = super::discount::in_force(&mut *conn, cart_id).await?;
    let plain: Vec<Discount> = discounts.iter().map(|(d, _)| d.clone()).collect();
    let priced = price(&line_inputs(&lines), &plain);
    Ok(PricedRows {
        lines,
        discounts,
        priced,
    })
}

/// The cart with its lines, discounts, links and totals, priced by `model::pricing`.
#[tracing::instrument(name = "db.load_cart", skip(db))]
pub async fn load(db: &PgPool, cart_id: i64) -> Result<CartView, AppError> {
    let mut conn = db.acquire().await?;
    let (help_code, version): (String, i64) =
        sqlx::query_as("select help_code, version from cart where cart_id = $1")
            .bind(cart_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| AppError::NotFound("That cart no longer exists.".into()))?;
    let PricedRows {
        lines: rows,
        discounts,
        priced,
    } = price_rows(&mut conn, cart_id).await?;
    let lines: Vec<CartLine> = rows
        .into_iter()
        .zip(&priced.lines)
        .map(|(row, priced)| CartLine {
            product_id: row.product_id,
            slug: row.slug,
            name: row.name,
            unit_price_cents: row.price_cents,
            quantity: row.quantity,
            discount_cents: priced.discount_cents,
            line_total_cents: priced.total_cents,
            stock: row.stock,
        })
        .collect();
    let applied = discounts
        .into_iter()
        .map(|(discount, product_name)| AppliedDiscount {
            taken_cents: priced.taken_by(discount.discount_id),
            held_back: priced.held_back.contains(&discount.discount_id),
            discount,
            product_name,
        })
        .collect();
    let help_code = HelpCode::parse(&help_code)
        .map(|code| code.to_string())
        .unwrap_or(help_code);
    Ok(CartView {
        cart_id,
        help_code,
        version,
        lines,
        subtotal_cents: priced.subtotal_cents,
        cart_discount_cents: priced.cart_discount_cents,
        total_cents: priced.total_cents,
        discounts: applied,
        links: links(&mut conn, cart_id).await?,
        rep_viewing: None,
    })
}

/// Links pushed to this cart and not dismissed, newest first.
async fn links(conn: &mut sqlx::PgConnection, cart_id: i64) -> sqlx::Result<Vec<PushedLink>> {
    #[derive(sqlx::FromRow)]
    struct LinkRow {
        link_id: i64,
        path: String,
        note: String,
        from: String,
    }
    let rows: Vec<LinkRow> = sqlx::query_as(
        "select l.link_id, l.path, l.note, s.display_name as \"from\"
         from pushed_link l join staff s on s.staff_id = l.created_by
         where l.cart_id = $1 and l.dismissed_at is null
         order by l.link_id desc limit 5",
    )
    .bind(cart_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut links = Vec::with_capacity(rows.len());
    for LinkRow {
        link_id,
        path,
        note,
        from,
    } in rows
    {
        // A card without a title is better than a cart that does not load: a link stored
        // before links were checked, or a page gone since, shows as its path.
        let preview = match crate::server::site_pages::preview(&mut *conn, &path).await {
            Ok(preview) => preview,
            Err(error) => {
                tracing::warn!(%error, link_id, "could not preview a pushed link");
                None
            }
        };
        links.push(PushedLink {
            link_id,
            path,
            note,
            from,
            preview,
        });
    }
    Ok(links)
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
    let held = held_quantity(&mut tx, cart_id, product_id)
        .await?
        .unwrap_or(0);
    let wanted = held + quantity;
    check_quantity(&name, stock, held, wanted)?;
    put_quantity(&mut tx, cart_id, product_id, wanted).await?;
    tx.commit().await?;
    Ok(())
}

/// How many of a product the cart holds (locked for the rest of the transaction).
pub(crate) async fn held_quantity(
    tx: &mut Transaction<'_, Postgres>,
    cart_id: i64,
    product_id: i64,
) -> sqlx::Result<Option<i32>> {
    sqlx::query_scalar(
        "select quantity from cart_item where cart_id = $1 and product_id = $2 for update",
    )
    .bind(cart_id)
    .bind(product_id)
    .fetch_optional(&mut **tx)
    .await
}

/// Makes the cart hold exactly `quantity` of a product (adding the line if needed).
pub(crate) async fn put_quantity(
    tx: &mut Transaction<'_, Postgres>,
    cart_id: i64,
    product_id: i64,
    quantity: i32,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into cart_item (cart_id, product_id, quantity) values ($1, $2, $3)
         on conflict (cart_id, product_id) do update set quantity = excluded.quantity",
    )
    .bind(cart_id)
    .bind(product_id)
    .bind(quantity)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Refuses a change made against an older version of the cart.
async fn check_version(
    tx: &mut Transaction<'_, Postgres>,
    cart_id: i64,
    expected_version: i64,
) -> Result<(), AppError> {
    let version: i64 = sqlx::query_scalar("select version from cart where cart_id = $1 for update")
        .bind(cart_id)
        .fetch_one(&mut **tx)
        .await?;
    if version == expected_version {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "Your cart was just updated (perhaps by your sales rep), so nothing was changed. \
             Here it is as it is now: please check it and try again."
                .into(),
        ))
    }
}

/// Sets the quantity of a product already in the cart, if the cart is still at `expected_version`.
pub async fn set_quantity(
    db: &PgPool,
    cart_id: i64,
    product_id: i64,
    quantity: i32,
    expected_version: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    check_version(&mut tx, cart_id, expected_version).await?;
    let (name, stock) = product_for_update(&mut tx, product_id).await?;
    let held = held_quantity(&mut tx, cart_id, product_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("{name} is no longer in your cart.")))?;
    if held == quantity {
        return Ok(());
    }
    // Lowering a quantity is always allowed, even when stock has since run short.
    if quantity > held {
        check_quantity(&name, stock, 0, quantity)?;
    }
    put_quantity(&mut tx, cart_id, product_id, quantity).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a product from the cart, if the cart is still at `expected_version`. Removing
/// what is already gone is not an error. The line's discounts go with it.
pub async fn remove_item(
    db: &PgPool,
    cart_id: i64,
    product_id: i64,
    expected_version: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let present: bool = sqlx::query_scalar(
        "select exists(select 1 from cart_item where cart_id = $1 and product_id = $2)",
    )
    .bind(cart_id)
    .bind(product_id)
    .fetch_one(&mut *tx)
    .await?;
    if !present {
        return Ok(());
    }
    check_version(&mut tx, cart_id, expected_version).await?;
    delete_line(&mut tx, cart_id, product_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a line out of the cart, with its line discounts, which no longer apply to anything.
pub(crate) async fn delete_line(
    tx: &mut Transaction<'_, Postgres>,
    cart_id: i64,
    product_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("delete from cart_discount where cart_id = $1 and product_id = $2")
        .bind(cart_id)
        .bind(product_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("delete from cart_item where cart_id = $1 and product_id = $2")
        .bind(cart_id)
        .bind(product_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Hides a pushed link the shopper has dealt with.
pub async fn dismiss_link(db: &PgPool, cart_id: i64, link_id: i64) -> Result<(), AppError> {
    sqlx::query("update pushed_link set dismissed_at = now() where cart_id = $1 and link_id = $2 and dismissed_at is null")
        .bind(cart_id)
        .bind(link_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Remembers that `request_id` was applied to the cart; false when it already was.
pub(crate) async fn record_request(
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

pub(crate) async fn product_for_update(
    tx: &mut Transaction<'_, Postgres>,
    product_id: i64,
) -> Result<(String, i32), AppError> {
    sqlx::query_as("select name, stock from product where product_id = $1 for share")
        .bind(product_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| AppError::NotFound("That product is not sold here (any more).".into()))
}

pub(crate) fn check_quantity(
    name: &str,
    stock: i32,
    held: i32,
    wanted: i32,
) -> Result<(), AppError> {
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
