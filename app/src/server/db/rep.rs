//! Changes a rep makes to a shopper's cart. Each one, in a single transaction: locks the
//! cart, skips a request already applied (idempotency), refuses a stale version, makes the
//! change, and appends to the audit trail. `tandem.actor = 'rep'` makes the triggers announce
//! the change as `rep_<op>`, so the shopper's page can say who changed it.

use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::cart::{
    check_quantity, held_quantity, product_for_update, put_quantity, record_request,
};
use crate::error::AppError;
use crate::model::admin::AuditEntry;
use crate::model::pricing::DiscountKind;
use crate::model::staff::StaffIdentity;

/// What a rep asked for, with the version of the cart they saw.
pub struct RepChange<'a> {
    pub cart_id: i64,
    pub expected_version: i64,
    pub request_id: Uuid,
    pub staff: &'a StaffIdentity,
}

/// An open rep transaction, or `None` when this request was already applied.
async fn begin<'c>(
    db: &PgPool,
    change: &RepChange<'_>,
) -> Result<Option<Transaction<'c, Postgres>>, AppError> {
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
    Ok(Some(tx))
}

async fn audit(
    tx: &mut Transaction<'_, Postgres>,
    change: &RepChange<'_>,
    action: &str,
    detail: serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into cart_audit (cart_id, staff_id, action, detail) values ($1, $2, $3, $4)",
    )
    .bind(change.cart_id)
    .bind(change.staff.staff_id)
    .bind(action)
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How many of a product the cart holds (0 when none), locked for the transaction.
async fn held(
    tx: &mut Transaction<'_, Postgres>,
    cart_id: i64,
    product_id: i64,
) -> sqlx::Result<i32> {
    Ok(held_quantity(tx, cart_id, product_id).await?.unwrap_or(0))
}

/// Adds a product (merging with what the cart holds).
pub async fn add_item(
    db: &PgPool,
    change: &RepChange<'_>,
    product_id: i64,
    quantity: i32,
) -> Result<(), AppError> {
    let Some(mut tx) = begin(db, change).await? else {
        return Ok(());
    };
    let (name, stock) = product_for_update(&mut tx, product_id).await?;
    let before = held(&mut tx, change.cart_id, product_id).await?;
    let after = before + quantity;
    check_quantity(&name, stock, before, after)?;
    put_quantity(&mut tx, change.cart_id, product_id, after).await?;
    audit(
        &mut tx,
        change,
        "item_added",
        json!({"product": name, "product_id": product_id, "before": before, "after": after}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a line's quantity.
pub async fn set_quantity(
    db: &PgPool,
    change: &RepChange<'_>,
    product_id: i64,
    quantity: i32,
) -> Result<(), AppError> {
    let Some(mut tx) = begin(db, change).await? else {
        return Ok(());
    };
    let (name, stock) = product_for_update(&mut tx, product_id).await?;
    let before = held(&mut tx, change.cart_id, product_id).await?;
    if before == 0 {
        return Err(AppError::NotFound(format!(
            "{name} is no longer in this cart."
        )));
    }
    if quantity > before {
        check_quantity(&name, stock, 0, quantity)?;
    }
    put_quantity(&mut tx, change.cart_id, product_id, quantity).await?;
    audit(
        &mut tx,
        change,
        "quantity_changed",
        json!({"product": name, "product_id": product_id, "before": before, "after": quantity}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a line (and the line's discounts, which no longer apply to anything).
pub async fn remove_item(
    db: &PgPool,
    change: &RepChange<'_>,
    product_id: i64,
) -> Result<(), AppError> {
    let Some(mut tx) = begin(db, change).await? else {
        return Ok(());
    };
    let (name, _) = product_for_update(&mut tx, product_id).await?;
    let before = held(&mut tx, change.cart_id, product_id).await?;
    if before == 0 {
        return Err(AppError::NotFound(format!(
            "{name} is no longer in this cart."
        )));
    }
    sqlx::query("delete from cart_item where cart_id = $1 and product_id = $2")
        .bind(change.cart_id)
        .bind(product_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("delete from cart_discount where cart_id = $1 and product_id = $2")
        .bind(change.cart_id)
        .bind(product_id)
        .execute(&mut *tx)
        .await?;
    audit(
        &mut tx,
        change,
        "item_removed",
        json!({"product": name, "product_id": product_id, "before": before, "after": 0}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A discount as a rep asks for it.
pub struct NewDiscount {
    pub product_id: Option<i64>,
    pub kind: DiscountKind,
    pub reason: String,
}

/// Adds a discount. `cap_basis_points` limits the share of the cart's value all discounts
/// together may take; `None` means no limit (discount managers).
pub async fn add_discount(
    db: &PgPool,
    change: &RepChange<'_>,
    discount: NewDiscount,
    cap_basis_points: Option<i64>,
) -> Result<(), AppError> {
    let Some(mut tx) = begin(db, change).await? else {
        return Ok(());
    };
    if let Some(product_id) = discount.product_id {
        if held(&mut tx, change.cart_id, product_id).await? == 0 {
            return Err(AppError::Invalid(
                "A line discount needs a product that is in the cart.".into(),
            ));
        }
    }
    let before = totals(&mut tx, change.cart_id).await?;
    let (kind, basis_points, amount_cents) = match discount.kind {
        DiscountKind::Percent { basis_points } => ("percent", Some(basis_points as i32), None),
        DiscountKind::Fixed { amount_cents } => ("fixed", None, Some(amount_cents)),
    };
    sqlx::query(
        "insert into cart_discount (cart_id, product_id, kind, basis_points, amount_cents, reason, created_by)
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(change.cart_id)
    .bind(discount.product_id)
    .bind(kind)
    .bind(basis_points)
    .bind(amount_cents)
    .bind(discount.reason.trim())
    .bind(change.staff.staff_id)
    .execute(&mut *tx)
    .await?;
    let after = totals(&mut tx, change.cart_id).await?;
    if let Some(cap) = cap_basis_points {
        let taken = after.0 - after.1;
        // taken / subtotal > cap / 10000, in integers.
        if after.0 > 0 && i128::from(taken) * 10_000 > i128::from(cap) * i128::from(after.0) {
            let share = taken as f64 * 100.0 / after.0 as f64;
            return Err(AppError::NotAllowed(format!(
                "Discounts on this cart would come to {share:.1}% of its value; sales reps may give up to {}%. Ask a discount manager.",
                cap / 100
            )));
        }
    }
    audit(
        &mut tx,
        change,
        "discount_added",
        json!({
            "kind": kind, "basis_points": basis_points, "amount_cents": amount_cents,
            "product_id": discount.product_id, "reason": discount.reason.trim(),
            "total_before": before.1, "total_after": after.1,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a discount; the total goes back to exactly what it is without it.
pub async fn remove_discount(
    db: &PgPool,
    change: &RepChange<'_>,
    discount_id: i64,
) -> Result<(), AppError> {
    let Some(mut tx) = begin(db, change).await? else {
        return Ok(());
    };
    let before = totals(&mut tx, change.cart_id).await?;
    let reason: Option<String> = sqlx::query_scalar(
        "delete from cart_discount where discount_id = $1 and cart_id = $2 returning reason",
    )
    .bind(discount_id)
    .bind(change.cart_id)
    .fetch_optional(&mut *tx)
    .await?;
    let reason = reason
        .ok_or_else(|| AppError::NotFound("That discount is no longer on the cart.".into()))?;
    let after = totals(&mut tx, change.cart_id).await?;
    audit(&mut tx, change, "discount_removed", json!({"discount_id": discount_id, "reason": reason, "total_before": before.1, "total_after": after.1})).await?;
    tx.commit().await?;
    Ok(())
}

/// Sends the shopper a link to a page of this site.
pub async fn push_link(
    db: &PgPool,
    change: &RepChange<'_>,
    path: &str,
    note: &str,
) -> Result<(), AppError> {
    let Some(mut tx) = begin(db, change).await? else {
        return Ok(());
    };
    sqlx::query(
        "insert into pushed_link (cart_id, path, note, created_by) values ($1, $2, $3, $4)",
    )
    .bind(change.cart_id)
    .bind(path)
    .bind(note)
    .bind(change.staff.staff_id)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        change,
        "link_pushed",
        json!({"path": path, "note": note}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// discount_id, product_id, kind, basis_points, amount_cents.
type DiscountRow = (i64, Option<i64>, String, Option<i32>, Option<i64>);

/// (subtotal, total) of the cart as the transaction sees it, priced by `model::pricing`.
async fn totals(tx: &mut Transaction<'_, Postgres>, cart_id: i64) -> Result<(i64, i64), AppError> {
    use crate::model::pricing::{price, Discount, LineInput};
    let lines: Vec<(i64, i64, i32)> = sqlx::query_as(
        "select ci.product_id, p.price_cents, ci.quantity from cart_item ci join product p using (product_id)
         where ci.cart_id = $1 order by ci.added_at, ci.product_id",
    )
    .bind(cart_id)
    .fetch_all(&mut **tx)
    .await?;
    let discounts: Vec<DiscountRow> = sqlx::query_as(
        "select discount_id, product_id, kind, basis_points, amount_cents from cart_discount
         where cart_id = $1 order by discount_id",
    )
    .bind(cart_id)
    .fetch_all(&mut **tx)
    .await?;
    let inputs: Vec<LineInput> = lines
        .into_iter()
        .map(|(product_id, unit_price_cents, quantity)| LineInput {
            product_id,
            unit_price_cents,
            quantity: i64::from(quantity),
        })
        .collect();
    let discounts: Vec<Discount> = discounts
        .into_iter()
        .map(|(discount_id, product_id, kind, bp, cents)| Discount {
            discount_id,
            product_id,
            kind: if kind == "percent" {
                DiscountKind::Percent {
                    basis_points: i64::from(bp.unwrap_or(0)),
                }
            } else {
                DiscountKind::Fixed {
                    amount_cents: cents.unwrap_or(0),
                }
            },
            reason: String::new(),
            given_by: String::new(),
        })
        .collect();
    let priced = price(&inputs, &discounts);
    Ok((priced.subtotal_cents, priced.total_cents))
}

/// The cart's audit trail, newest first.
pub async fn audit_trail(db: &PgPool, cart_id: i64) -> sqlx::Result<Vec<AuditEntry>> {
    let rows: Vec<(i64, String, String, serde_json::Value, i64)> = sqlx::query_as(
        "select a.audit_id, s.display_name, a.action, a.detail,
                extract(epoch from now() - a.created_at)::bigint
         from cart_audit a join staff s using (staff_id)
         where a.cart_id = $1 order by a.audit_id desc limit 100",
    )
    .bind(cart_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(audit_id, who, action, detail, seconds_ago)| AuditEntry {
            audit_id,
            summary: crate::model::admin::describe_audit(&action, &detail),
            who,
            action,
            seconds_ago,
        })
        .collect())
}
