//! Reading the catalog. Open to everyone.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::catalog::{Catalog, ProductDetail};

/// The catalog, optionally narrowed to one category.
#[server(prefix = "/api", endpoint = "catalog")]
pub async fn list_products(category: Option<String>) -> Result<Catalog, AppError> {
    use crate::server::{db, AppState};
    let state = AppState::current()?;
    let category = category.filter(|c| !c.trim().is_empty());
    Ok(db::catalog::list(&state.db, category.as_deref()).await?)
}

/// One product by its slug.
#[server(prefix = "/api", endpoint = "product")]
pub async fn get_product(slug: String) -> Result<ProductDetail, AppError> {
    use crate::server::{db, AppState};
    let state = AppState::current()?;
    db::catalog::by_slug(&state.db, &slug)
        .await?
        .ok_or_else(|| AppError::NotFound("We could not find that product.".into()))
}
