//! Which paths are real pages of the storefront, and what a link to one shows. A rep may
//! only send links to pages that exist (a product that is in the catalog, a category that
//! has products, the catalog, the cart or checkout), and the shopper sees each link as a card
//! with the page's title, and a product's picture and price.

use sqlx::PgConnection;

use crate::model::cart::LinkPreview;
use crate::model::catalog::image_url;

/// The preview of the page at `path` (already normalised by `model::rep_input::site_path`),
/// or `None` when it is not a page of the storefront.
#[tracing::instrument(name = "db.site_page", skip(conn))]
pub async fn preview(conn: &mut PgConnection, path: &str) -> sqlx::Result<Option<LinkPreview>> {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let titled = |title: &str| {
        Some(LinkPreview {
            title: title.to_string(),
            image_url: None,
            price_cents: None,
        })
    };
    match (path, query) {
        ("/", "") => Ok(titled("Our catalog")),
        ("/", query) => {
            let Some(category) = query
                .strip_prefix("category=")
                .filter(|value| !value.contains('&'))
                .and_then(percent_decoded)
                .filter(|category| !category.chars().any(char::is_control))
            else {
                return Ok(None);
            };
            let known: Option<String> = sqlx::query_scalar(
                // Exactly as the catalog filters: `/?category=bikes` would open an empty page.
                "select category from product where category = $1 limit 1",
            )
            .bind(&category)
            .fetch_optional(conn)
            .await?;
            Ok(known.and_then(|category| titled(&format!("{category} in our catalog"))))
        }
        ("/cart", "") => Ok(titled("Your cart")),
        ("/checkout", "") => Ok(titled("Checkout")),
        (path, "") => {
            let Some(slug) = path
                .strip_prefix("/products/")
                .filter(|slug| !slug.contains('/'))
            else {
                return Ok(None);
            };
            let product: Option<(String, String, i64)> =
                sqlx::query_as("select slug, name, price_cents from product where slug = $1")
                    .bind(slug)
                    .fetch_optional(conn)
                    .await?;
            Ok(product.map(|(slug, name, price_cents)| LinkPreview {
                title: name,
                image_url: Some(image_url(&slug)),
                price_cents: Some(price_cents),
            }))
        }
        _ => Ok(None),
    }
}

/// `%XX` escapes and `+` decoded; `None` when that is not valid UTF-8.
fn percent_decoded(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::percent_decoded;

    #[test]
    fn category_names_in_links_are_decoded() {
        assert_eq!(percent_decoded("Bikes").as_deref(), Some("Bikes"));
        assert_eq!(
            percent_decoded("Road%20Bikes").as_deref(),
            Some("Road Bikes")
        );
        assert_eq!(percent_decoded("Road+Bikes").as_deref(), Some("Road Bikes"));
        assert_eq!(percent_decoded("%FF"), None);
        assert_eq!(percent_decoded("%4"), Some("%4".into()));
    }
}
