//! Discounts in force on a cart: the one query that reads them, for pricing and for display.

use std::collections::HashMap;

use sqlx::PgExecutor;

use crate::model::pricing::{Discount, DiscountKind};

/// A `cart_discount` row with the names that go with it.
#[derive(sqlx::FromRow)]
struct DiscountRow {
    discount_id: i64,
    product_id: Option<i64>,
    kind: String,
    basis_points: Option<i32>,
    amount_cents: Option<i64>,
    cap_basis_points: Option<i32>,
    reason: String,
    given_by: String,
    product_name: Option<String>,
}

impl DiscountRow {
    fn into_discount(self) -> (Discount, Option<String>) {
        let kind = if self.kind == "percent" {
            DiscountKind::Percent {
                basis_points: i64::from(self.basis_points.unwrap_or(0)),
            }
        } else {
            DiscountKind::Fixed {
                amount_cents: self.amount_cents.unwrap_or(0),
            }
        };
        (
            Discount {
                discount_id: self.discount_id,
                product_id: self.product_id,
                kind,
                reason: self.reason,
                given_by: self.given_by,
                cap_basis_points: self.cap_basis_points.map(i64::from),
            },
            self.product_name,
        )
    }
}

/// Discounts in force, in the order given, each with the product name of a line discount.
#[tracing::instrument(name = "db.discounts_in_force", skip(db))]
pub async fn in_force(
    db: impl PgExecutor<'_>,
    cart_id: i64,
) -> sqlx::Result<Vec<(Discount, Option<String>)>> {
    let rows: Vec<DiscountRow> = sqlx::query_as(
        "select d.discount_id, d.product_id, d.kind, d.basis_points, d.amount_cents,
                d.cap_basis_points, d.reason, s.display_name as given_by, p.name as product_name
         from cart_discount d
         join staff s on s.staff_id = d.created_by
         left join product p on p.product_id = d.product_id
         where d.cart_id = $1
         order by d.discount_id",
    )
    .bind(cart_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(DiscountRow::into_discount).collect())
}

/// Discounts in force on each of `cart_ids`, in the order given (one query for all).
#[tracing::instrument(name = "db.discounts_in_force_for", skip(db, cart_ids))]
pub async fn in_force_for(
    db: impl PgExecutor<'_>,
    cart_ids: &[i64],
) -> sqlx::Result<HashMap<i64, Vec<Discount>>> {
    let rows: Vec<(i64, DiscountRow)> = sqlx::query_as::<_, CartDiscountRow>(
        "select d.cart_id, d.discount_id, d.product_id, d.kind, d.basis_points, d.amount_cents,
                d.cap_basis_points, d.reason, s.display_name as given_by, p.name as product_name
         from cart_discount d
         join staff s on s.staff_id = d.created_by
         left join product p on p.product_id = d.product_id
         where d.cart_id = any($1)
         order by d.cart_id, d.discount_id",
    )
    .bind(cart_ids)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|row| (row.cart_id, row.discount))
    .collect();
    let mut by_cart: HashMap<i64, Vec<Discount>> = HashMap::new();
    for (cart_id, row) in rows {
        by_cart
            .entry(cart_id)
            .or_default()
            .push(row.into_discount().0);
    }
    Ok(by_cart)
}

#[derive(sqlx::FromRow)]
struct CartDiscountRow {
    cart_id: i64,
    #[sqlx(flatten)]
    discount: DiscountRow,
}
