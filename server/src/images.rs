//! The product picture route: the drawing of a product
//! ([`app::components::product_picture`]) as an SVG file, for the places that show one
//! small picture (the link cards a rep sends).

use app::components::product_picture::drawing_file;
use app::model::catalog::PICTURES_VERSION;
use app::model::text::is_slug;
use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Query of a picture URL: `v` is the drawings' version ([`PICTURES_VERSION`]).
#[derive(Deserialize)]
pub struct PictureQuery {
    v: Option<String>,
}

/// `GET /images/products/{slug}.svg?v=…`. At the current version a picture never changes,
/// so browsers and proxies keep it for a year; any other URL is kept only briefly.
pub async fn product_image(
    Path(file): Path<String>,
    Query(query): Query<PictureQuery>,
) -> Response {
    let Some(slug) = file.strip_suffix(".svg").filter(|slug| is_slug(slug)) else {
        return (StatusCode::NOT_FOUND, "no such image").into_response();
    };
    let current = query.v.as_deref() == Some(&format!("{PICTURES_VERSION:08x}"));
    let caching = if current {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, caching),
        ],
        drawing_file(slug),
    )
        .into_response()
}
