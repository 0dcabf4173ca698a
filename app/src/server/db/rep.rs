//! Changes a rep makes to a shopper's cart. Each one is a [`RepTx`]: one transaction that
//! locks the cart, skips a request already applied (idempotency), refuses a stale version,
//! makes the change, appends to the audit trail and commits. `tandem.actor = 'rep'` makes
//! the triggers announce the change as `rep_<op>`, so the shopper's page can say who changed it.

use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::cart::{
    check_quantity, held_quantity, price_rows, product_for_update, put_quantity, record_request,
};
use crate::error::AppError;
use crate::model::admin::AuditEntry;

use crate::model::pricing::{cap_allowance, Discount, DiscountCap, DiscountKind, PricedCart};
use crate::model::staff::StaffIdentity;

/// What a rep asked for, with the version of the cart they saw.
pub struct RepChange<'a> {
    pub cart_id: i64,
    pub expected_version: i64,
    pub request_id: Uuid,
    pub staff: &'a StaffIdentity,
}

/// An open rep change: the cart locked at the version the rep saw.
struct RepTx<'a> {
    tx: Transaction<'static, Postgres>,
    change: &'a RepChange<'a>,
}

impl<'a> RepTx<'a> {
    /// Begins the change, or `None` when this request was already applied.
    async fn begin(db: &PgPool, change: &'a RepChange<'a>) -> Result<Option<Self>, AppError> {
        let mut tx = db.begin().await?;
        sqlx::query("select set_config('tandem.actor', 'rep', true)")
            .execute(&mut *tx)
            .await?;
        let version: Option<i64> = sqlx::query_scalar(
            "select version from cart where cart_id = $1 and status = 'active' for update",
        )
        .bind(change.cart_id)
        .fetch_optional(&mut *tx)
        .await?;
        let version =
            version.ok_or_else(|| AppError::NotFound("That cart is no longer active.".into()))?;
        if !record_request(&mut tx, change.cart_id, change.request_id).await? {
            return Ok(None);
        }
        if version != change.expected_version {
            return Err(AppError::Conflict(
                "The cart changed since you loaded it (the shopper or another rep edited it). \
                 It has been refreshed: check it and try again."
                    .into(),
            ));
        }
        Ok(Some(Self { tx, change }))
    }

    fn cart_id(&self) -> i64 {
        self.change.cart_id
    }

    /// How many of a product the cart holds (0 when none), locked for the transaction.
    async fn held(&mut self, product_id: i64) -> sqlx::Result<i32> {
        let cart_id = self.cart_id();
        Ok(held_quantity(&mut self.tx, cart_id, product_id)
            .await?
            .unwrap_or(0))
    }

    /// Appends the audit entry and commits: the change and its record land together.
    async fn commit_audited(
        mut self,
        action: &str,
        mut detail: serde_json::Value,
    ) -> Result<(), AppError> {
        // The cart version this change produced, so the shopper's stream can say what the
        // change it is relaying did, not whatever the rep did last.
        let version: i64 = sqlx::query_scalar("select version from cart where cart_id = $1")
            .bind(self.change.cart_id)
            .fetch_one(&mut *self.tx)
            .await?;
        if let Some(fields) = detail.as_object_mut() {
            fields.insert("version".into(), version.into());
        }
        sqlx::query(
            "insert into cart_audit (cart_id, staff_id, action, detail) values ($1, $2, $3, $4)",
        )
        .bind(self.change.cart_id)
        .bind(self.change.staff.staff_id)
        .bind(action)
        .bind(detail)
        .execute(&mut *self.tx)
        .await?;
        self.tx.commit().await?;
        Ok(())
    }
}

/// Adds a product (merging with what the cart holds).
#[tracing::instrument(name = "db.rep_add_item", skip(db, change), fields(cart.id = change.cart_id))]
pub async fn add_item(
    db: &PgPool,
    change: &RepChange<'_>,
    product_id: i64,
    quantity: i32,
) -> Result<(), AppError> {
    let Some(mut rep) = RepTx::begin(db, change).await? else {
        return Ok(());
    };
    let (name, stock) = product_for_update(&mut rep.tx, product_id).await?;
    let before = rep.held(product_id).await?;
    let after = before + quantity;
    check_quantity(&name, stock, before, after)?;
    put_quantity(&mut rep.tx, change.cart_id, product_id, after).await?;
    rep.commit_audited(
        "item_added",
        json!({"product": name, "product_id": product_id, "before": before, "after": after}),
    )
    .await
}

/// Sets a line's quantity.
#[tracing::instrument(name = "db.rep_set_quantity", skip(db, change), fields(cart.id = change.cart_id))]
pub async fn set_quantity(
    db: &PgPool,
    change: &RepChange<'_>,
    product_id: i64,
    quantity: i32,
) -> Result<(), AppError> {
    let Some(mut rep) = RepTx::begin(db, change).await? else {
        return Ok(());
    };
    let (name, stock) = product_for_update(&mut rep.tx, product_id).await?;
    let before = rep.held(product_id).await?;
    if before == 0 {
        return Err(AppError::NotFound(format!(
            "{name} is no longer in this cart."
        )));
    }
    if quantity > before {
        check_quantity(&name, stock, 0, quantity)?;
    }
    put_quantity(&mut rep.tx, change.cart_id, product_id, quantity).await?;
    rep.commit_audited(
        "quantity_changed",
        json!({"product": name, "product_id": product_id, "before": before, "after": quantity}),
    )
    .await
}

/// Removes a line (and the line's discounts, which no longer apply to anything).
#[tracing::instrument(name = "db.rep_remove_item", skip(db, change), fields(cart.id = change.cart_id))]
pub async fn remove_item(
    db: &PgPool,
    change: &RepChange<'_>,
    product_id: i64,
) -> Result<(), AppError> {
    let Some(mut rep) = RepTx::begin(db, change).await? else {
        return Ok(());
    };
    let (name, _) = product_for_update(&mut rep.tx, product_id).await?;
    let before = rep.held(product_id).await?;
    if before == 0 {
        return Err(AppError::NotFound(format!(
            "{name} is no longer in this cart."
        )));
    }
    super::cart::delete_line(&mut rep.tx, change.cart_id, product_id).await?;
    rep.commit_audited(
        "item_removed",
        json!({"product": name, "product_id": product_id, "before": before, "after": 0}),
    )
    .await
}

/// A discount as a rep asks for it.
pub struct NewDiscount {
    pub product_id: Option<i64>,
    pub kind: DiscountKind,
    pub reason: String,
}

/// Most discounts one cart may carry; each capped one may round half a cent up.
pub const MAX_DISCOUNTS_PER_CART: i64 = 20;

/// Adds a discount. `cap_basis_points` is the cap the giver works under (`None` for a
/// discount manager): the discount is recorded with it, so pricing keeps it within the cap
/// whatever happens to the cart later (pricing rule 6), and it is refused now when it asks
/// for more than the cap allows, or when the cart's discounts together would go past it.
#[tracing::instrument(name = "db.rep_add_discount", skip(db, change, discount), fields(cart.id = change.cart_id))]
pub async fn add_discount(
    db: &PgPool,
    change: &RepChange<'_>,
    discount: NewDiscount,
    cap_basis_points: Option<i64>,
) -> Result<(), AppError> {
    let Some(mut rep) = RepTx::begin(db, change).await? else {
        return Ok(());
    };
    if let Some(product_id) = discount.product_id {
        if rep.held(product_id).await? == 0 {
            return Err(AppError::Invalid(
                "A line discount needs a product that is in the cart.".into(),
            ));
        }
    }
    let count: i64 = sqlx::query_scalar("select count(*) from cart_discount where cart_id = $1")
        .bind(change.cart_id)
        .fetch_one(&mut *rep.tx)
        .await?;
    if count >= MAX_DISCOUNTS_PER_CART {
        return Err(AppError::NotAllowed(format!(
            "A cart can carry at most {MAX_DISCOUNTS_PER_CART} discounts; take one back first."
        )));
    }
    let product_name: Option<String> = match discount.product_id {
        Some(product_id) => {
            sqlx::query_scalar("select name from product where product_id = $1")
                .bind(product_id)
                .fetch_optional(&mut *rep.tx)
                .await?
        }
        None => None,
    };
    let before = price_rows(&mut rep.tx, change.cart_id).await?.priced;
    let (kind, basis_points, amount_cents) = match discount.kind {
        DiscountKind::Percent { basis_points } => ("percent", Some(basis_points as i32), None),
        DiscountKind::Fixed { amount_cents } => ("fixed", None, Some(amount_cents)),
    };
    let discount_id: i64 = sqlx::query_scalar(
        "insert into cart_discount
             (cart_id, product_id, kind, basis_points, amount_cents, reason, created_by, cap_basis_points)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         returning discount_id",
    )
    .bind(change.cart_id)
    .bind(discount.product_id)
    .bind(kind)
    .bind(basis_points)
    .bind(amount_cents)
    .bind(&discount.reason)
    .bind(change.staff.staff_id)
    .bind(cap_basis_points.map(|cap| cap as i32))
    .fetch_one(&mut *rep.tx)
    .await?;
    let after = price_rows(&mut rep.tx, change.cart_id).await?;
    if let Some(cap) = cap_basis_points {
        // Refused too when it would make an earlier capped discount take less than before:
        // the shopper was promised that one.
        let newly_held = after
            .priced
            .held_back
            .iter()
            .any(|id| !before.held_back.contains(id));
        let target = product_name.as_deref().unwrap_or("the whole cart");
        let asked = format!("{} off {target}", discount.kind.describe());
        check_cap(cap, &before, &after, discount_id, newly_held, &asked)?;
    }
    let after = after.priced;
    rep.commit_audited(
        "discount_added",
        json!({
            "kind": kind, "basis_points": basis_points, "amount_cents": amount_cents,
            "product_id": discount.product_id, "product": product_name, "reason": discount.reason,
            "cap_basis_points": cap_basis_points,
            "total_before": before.total_cents, "total_after": after.total_cents,
        }),
    )
    .await
}

/// Refuses a capped discount that asks for more than the cap allows now, that would make an
/// earlier one take less, or that takes the cart's discounts together (a manager's included)
/// past the cap. The refusal says what was asked against the cart's share.
fn check_cap(
    cap: i64,
    before: &PricedCart,
    after: &super::cart::PricedRows,
    discount_id: i64,
    newly_held: bool,
    asked: &str,
) -> Result<(), AppError> {
    let priced = &after.priced;
    let all_taken = priced.subtotal_cents - priced.total_cents;
    let allowance = cap_allowance(cap, priced.subtotal_cents, after.discounts.len() as i64);
    if newly_held || priced.held_back.contains(&discount_id) || all_taken > allowance {
        // What the new discount would take with no cap at all: what the rep typed.
        let uncapped: Vec<Discount> = after
            .discounts
            .iter()
            .map(|(d, _)| {
                let mut d = d.clone();
                if d.discount_id == discount_id {
                    d.cap_basis_points = None;
                }
                d
            })
            .collect();
        let asked_cents = after.repriced(&uncapped).taken_by(discount_id);
        let standing = DiscountCap::new(
            cap,
            before.subtotal_cents,
            before.subtotal_cents - before.total_cents,
        );
        return Err(AppError::NotAllowed(standing.refusal(asked, asked_cents)));
    }
    Ok(())
}

/// Removes a discount; the total goes back to exactly what it is without it.
#[tracing::instrument(name = "db.rep_remove_discount", skip(db, change), fields(cart.id = change.cart_id))]
pub async fn remove_discount(
    db: &PgPool,
    change: &RepChange<'_>,
    discount_id: i64,
) -> Result<(), AppError> {
    let Some(mut rep) = RepTx::begin(db, change).await? else {
        return Ok(());
    };
    let before = price_rows(&mut rep.tx, change.cart_id).await?.priced;
    let reason: Option<String> = sqlx::query_scalar(
        "delete from cart_discount where discount_id = $1 and cart_id = $2 returning reason",
    )
    .bind(discount_id)
    .bind(change.cart_id)
    .fetch_optional(&mut *rep.tx)
    .await?;
    let reason = reason
        .ok_or_else(|| AppError::NotFound("That discount is no longer on the cart.".into()))?;
    let after = price_rows(&mut rep.tx, change.cart_id).await?.priced;
    rep.commit_audited(
        "discount_removed",
        json!({"discount_id": discount_id, "reason": reason,
               "total_before": before.total_cents, "total_after": after.total_cents}),
    )
    .await
}

/// Sends the shopper a link to a page of this site.
#[tracing::instrument(name = "db.rep_push_link", skip(db, change, note), fields(cart.id = change.cart_id))]
pub async fn push_link(
    db: &PgPool,
    change: &RepChange<'_>,
    path: &str,
    note: &str,
) -> Result<(), AppError> {
    let Some(mut rep) = RepTx::begin(db, change).await? else {
        return Ok(());
    };
    sqlx::query(
        "insert into pushed_link (cart_id, path, note, created_by) values ($1, $2, $3, $4)",
    )
    .bind(change.cart_id)
    .bind(path)
    .bind(note)
    .bind(change.staff.staff_id)
    .execute(&mut *rep.tx)
    .await?;
    rep.commit_audited("link_pushed", json!({"path": path, "note": note}))
        .await
}

/// A `cart_audit` row with who wrote it.
#[derive(sqlx::FromRow)]
struct AuditRow {
    audit_id: i64,
    who: String,
    action: String,
    detail: serde_json::Value,
    seconds_ago: i64,
}

/// What the shopper is told about the rep's change that made `cart_id` version `version`
/// (see `model::admin::describe_for_shopper`); `None` when no rep change made that version
/// (an intermediate version of a change, or a change by the shopper).
#[tracing::instrument(name = "db.rep_action_for_shopper", skip(db))]
pub async fn for_shopper(
    db: &PgPool,
    cart_id: i64,
    version: i64,
) -> sqlx::Result<Option<(String, Option<i64>)>> {
    let row: Option<AuditRow> = sqlx::query_as(
        "select a.audit_id, s.display_name as who, a.action, a.detail, 0::bigint as seconds_ago
         from cart_audit a join staff s using (staff_id)
         where a.cart_id = $1 and a.detail @> jsonb_build_object('version', $2::bigint)
         order by a.audit_id desc limit 1",
    )
    .bind(cart_id)
    .bind(version)
    .fetch_optional(db)
    .await?;
    Ok(
        row.map(|row| {
            crate::model::admin::describe_for_shopper(&row.who, &row.action, &row.detail)
        }),
    )
}

/// The cart's audit trail, newest first.
#[tracing::instrument(name = "db.audit_trail", skip(db))]
pub async fn audit_trail(db: &PgPool, cart_id: i64) -> sqlx::Result<Vec<AuditEntry>> {
    let rows: Vec<AuditRow> = sqlx::query_as(
        "select a.audit_id, s.display_name as who, a.action, a.detail,
                extract(epoch from now() - a.created_at)::bigint as seconds_ago
         from cart_audit a join staff s using (staff_id)
         where a.cart_id = $1 order by a.audit_id desc limit 100",
    )
    .bind(cart_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| AuditEntry {
            audit_id: row.audit_id,
            summary: crate::model::admin::describe_audit(&row.action, &row.detail),
            who: row.who,
            action: row.action,
            seconds_ago: row.seconds_ago,
        })
        .collect())
}
