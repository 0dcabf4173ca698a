//! Products as the storefront shows them.

use serde::{Deserialize, Serialize};

/// How shoppers reach a person: shown beside the help code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreContact {
    pub phone: String,
    pub hours: String,
}

/// A product card in the catalog grid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSummary {
    pub product_id: i64,
    pub slug: String,
    pub name: String,
    pub category: String,
    pub price_cents: i64,
    pub stock: i32,
}

/// Everything the product page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDetail {
    pub product_id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub category: String,
    pub price_cents: i64,
    pub stock: i32,
}

/// A page of the catalog with the categories to filter by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub categories: Vec<String>,
    pub products: Vec<ProductSummary>,
}

impl ProductSummary {
    /// Where the product's picture is served from.
    pub fn image_url(&self) -> String {
        image_url(&self.slug)
    }
}

impl ProductDetail {
    /// Where the product's picture is served from.
    pub fn image_url(&self) -> String {
        image_url(&self.slug)
    }
}

/// Where the picture of the product `slug` is served from.
pub fn image_url(slug: &str) -> String {
    format!("/images/products/{slug}.svg")
}
