//! Reading the catalog. Open to everyone.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::catalog::{Catalog, ProductDetail};

/// The catalog, optionally narrowed to one category.
#[server(prefix = "/api", endpoint = "catalog")]
pub async fn list_products(category: Option<String>) -> Result<Catalog, AppError> {
    use crate::model::text::single_line;
    use crate::server::{db, AppState};
    let state = AppState::current()?;
    let category = match category {
        Some(typed) => Some(single_line("The category", &typed, 60).map_err(AppError::Invalid)?),
        None => None,
    }
    .filter(|c| !c.is_empty());
    Ok(db::catalog::list(&state.db, category.as_deref()).await?)
}

/// One product by its slug.
#[server(prefix = "/api", endpoint = "product")]
pub async fn get_product(slug: String) -> Result<ProductDetail, AppError> {
    use crate::model::text::is_slug;
    use crate::server::{db, AppState};
    let not_found = || AppError::NotFound("We could not find that product.".into());
    if !is_slug(&slug) {
        return Err(not_found());
    }
    let state = AppState::current()?;
    db::catalog::by_slug(&state.db, &slug)
        .await?
        .ok_or_else(not_found)
}
