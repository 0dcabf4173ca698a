//! Product pictures. The demo catalog has no photographs, so each product gets a drawn
//! placeholder: a bicycle on a colour picked from its slug, with its name underneath.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// `GET /images/products/{slug}.svg`.
pub async fn product_image(Path(file): Path<String>) -> Response {
    let Some(slug) = file.strip_suffix(".svg").filter(|slug| is_slug(slug)) else {
        return (StatusCode::NOT_FOUND, "no such image").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        placeholder_svg(slug),
    )
        .into_response()
}

fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 80
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn placeholder_svg(slug: &str) -> String {
    // FNV-1a: a stable colour per product without any state.
    let hash = slug.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let hue = hash % 360;
    let label: String = slug
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 180" role="img" aria-label="{label}">
<rect width="240" height="180" fill="hsl({hue},55%,88%)"/>
<g fill="none" stroke="hsl({hue},45%,32%)" stroke-width="5" stroke-linecap="round" stroke-linejoin="round">
<circle cx="70" cy="100" r="32"/><circle cx="170" cy="100" r="32"/>
<path d="M70 100 L100 60 L150 60 L170 100 M100 60 L120 100 L150 60 M120 100 L70 100 M95 48 L110 48 M145 60 L140 45 L155 45"/>
</g>
<text x="120" y="165" text-anchor="middle" font-family="sans-serif" font-size="14" fill="hsl({hue},45%,25%)">{label}</text>
</svg>"##
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_gets_a_labelled_svg() {
        let svg = placeholder_svg("road-bike-allegro");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Road Bike Allegro"));
    }

    #[test]
    fn names_that_are_not_slugs_have_no_image() {
        assert!(!is_slug("../etc/passwd"));
        assert!(!is_slug("<script>"));
        assert!(is_slug("helmet-aero"));
    }
}
