//! Catalog queries.

use sqlx::PgPool;

use crate::model::catalog::{Catalog, ProductDetail, ProductSummary};

type SummaryRow = (i64, String, String, String, i64, i32);

fn summary((product_id, slug, name, category, price_cents, stock): SummaryRow) -> ProductSummary {
    ProductSummary {
        product_id,
        slug,
        name,
        category,
        price_cents,
        stock,
    }
}

/// Products, optionally of one category, in name order, with every category for the filter.
pub async fn list(db: &PgPool, category: Option<&str>) -> sqlx::Result<Catalog> {
    let categories = sqlx::query_scalar("select distinct category from product order by category")
        .fetch_all(db)
        .await?;
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "select product_id, slug, name, category, price_cents, stock from product
         where $1::text is null or category = $1
         order by category, name",
    )
    .bind(category)
    .fetch_all(db)
    .await?;
    let products = rows.into_iter().map(summary).collect();
    Ok(Catalog {
        categories,
        products,
    })
}

/// One product by its URL slug.
pub async fn by_slug(db: &PgPool, slug: &str) -> sqlx::Result<Option<ProductDetail>> {
    let row: Option<(i64, String, String, String, String, i64, i32)> = sqlx::query_as(
        "select product_id, slug, name, description, category, price_cents, stock
         from product where slug = $1",
    )
    .bind(slug)
    .fetch_optional(db)
    .await?;
    Ok(row.map(
        |(product_id, slug, name, description, category, price_cents, stock)| ProductDetail {
            product_id,
            slug,
            name,
            description,
            category,
            price_cents,
            stock,
        },
    ))
}

/// Up to 20 products whose name contains `query` (any case), for the rep's product search.
pub async fn search(db: &PgPool, query: &str) -> sqlx::Result<Vec<ProductSummary>> {
    let pattern = format!("%{}%", super::escape_like(query));
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "select product_id, slug, name, category, price_cents, stock from product
         where name ilike $1 order by name limit 20",
    )
    .bind(pattern)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(summary).collect())
}
