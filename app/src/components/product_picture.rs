//! Product pictures. The demo catalog has no photographs, so each product gets a drawing of
//! what it is (a road bike, a helmet, a tyre…, picked by its slug) on a colour of its own,
//! with its name underneath.
//!
//! The catalog and product pages draw the picture into the page ([`ProductPicture`]): as an
//! `<img>`, each SVG picture costs the browser a document of its own, built on the page's
//! main thread, and on a phone's CPU the catalog's pictures held its script back by half a
//! second. Where one small picture is shown (the link cards a rep sends), it comes as a
//! file from the picture route, drawn by [`drawing_file`].

use leptos::prelude::*;

/// The drawings' coordinates: 240 by 180.
const VIEW_BOX: &str = "0 0 240 180";

/// The picture of the product `slug`, drawn into the page at `width` by `height` (CSS may
/// scale it). Decorative: the product's name is next to it, so screen readers skip it.
#[component]
pub fn ProductPicture(slug: String, width: u32, height: u32) -> impl IntoView {
    view! {
        <svg
            class="picture"
            viewBox=VIEW_BOX
            width=width
            height=height
            aria-hidden="true"
            focusable="false"
            inner_html=drawing(&slug)
        ></svg>
    }
}

/// The picture of the product `slug` as an SVG file.
pub fn drawing_file(slug: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="{VIEW_BOX}" role="img" aria-label="{}">
{}</svg>"#,
        label(slug),
        drawing(slug)
    )
}

/// The product's name as its slug spells it: `road-bike-allegro` is "Road Bike Allegro".
/// Slugs are lowercase letters, digits and dashes, so nothing in it needs escaping; any
/// other character is left out rather than trusted.
fn label(slug: &str) -> String {
    slug.split('-')
        .map(|word| {
            let word: String = word.chars().filter(char::is_ascii_alphanumeric).collect();
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What is inside the `<svg>` element: the background, the drawing and the label.
fn drawing(slug: &str) -> String {
    // FNV-1a: a stable colour per product without any state.
    let hash = slug.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let hue = hash % 360;
    format!(
        r##"<rect width="240" height="180" fill="hsl({hue},55%,90%)"/>
<g fill="none" stroke="hsl({hue},45%,30%)" stroke-width="5" stroke-linecap="round" stroke-linejoin="round">
{}
</g>
<text x="120" y="168" text-anchor="middle" font-family="sans-serif" font-size="14" fill="hsl({hue},45%,22%)">{}</text>
"##,
        motif(slug),
        label(slug)
    )
}

/// A drawing of what the product is, chosen by the first word of its slug (the demo catalog
/// names products `road-bike-…`, `helmet-…`, `tyre-…`); a parcel for anything else.
fn motif(slug: &str) -> String {
    let bicycle = |extra: &str, wheel: u32| {
        format!(
            r#"<circle cx="70" cy="95" r="{wheel}"/><circle cx="170" cy="95" r="{wheel}"/>
<path d="M70 95 L100 55 L150 55 L170 95 M100 55 L120 95 L150 55 M120 95 L70 95 M95 43 L110 43 M150 55 L145 40"/>{extra}"#
        )
    };
    match slug.split('-').next().unwrap_or_default() {
        "road" => bicycle(r#"<path d="M145 40 Q160 38 158 52"/>"#, 30),
        "gravel" => bicycle(r#"<path d="M138 40 L156 40 Q162 44 158 54"/><circle cx="70" cy="95" r="24" stroke-dasharray="4 6"/>"#, 30),
        "city" => bicycle(r#"<path d="M140 40 L158 40"/><rect x="150" y="52" width="30" height="18" rx="3"/>"#, 30),
        "kids" => bicycle(r#"<path d="M140 40 L156 40"/><path d="M60 95 L40 110 M180 95 L200 110"/>"#, 22),
        "e" => bicycle(r#"<rect x="104" y="62" width="30" height="12" rx="3"/><path d="M116 65 L112 71 L122 69 L118 75"/>"#, 30),
        "mtb" => bicycle(r#"<path d="M140 40 L160 40"/><path d="M155 62 L162 78" stroke-width="8"/>"#, 32),
        "helmet" => r#"<path d="M50 110 Q55 40 120 38 Q185 40 190 110 Z"/><path d="M80 60 L95 105 M120 45 L120 105 M160 60 L145 105"/><path d="M50 110 L190 110"/>"#.into(),
        "jersey" => r#"<path d="M90 40 L150 40 L185 70 L168 85 L158 75 L158 140 L82 140 L82 75 L72 85 L55 70 Z"/><path d="M110 40 Q120 55 130 40 M120 52 L120 140"/>"#.into(),
        "bib" => r#"<path d="M85 40 L100 40 L105 80 L135 80 L140 40 L155 40 L160 140 L128 140 L120 100 L112 140 L80 140 Z"/>"#.into(),
        "rain" => r#"<path d="M95 35 L145 35 L185 70 L170 85 L160 75 L160 145 L80 145 L80 75 L70 85 L55 70 Z"/><path d="M120 35 L120 145"/><path d="M200 30 L196 42 M212 45 L208 57 M28 40 L24 52"/>"#.into(),
        "gloves" => r#"<path d="M85 140 L85 80 Q85 60 95 60 L95 45 Q100 38 105 45 L105 40 Q110 33 115 40 L115 43 Q120 36 125 43 L125 60 Q140 60 150 75 L140 85 L130 80 L130 140 Z"/>"#.into(),
        "socks" => r#"<path d="M95 35 L125 35 L125 100 Q125 125 150 128 Q165 130 165 142 L120 145 Q95 145 95 115 Z"/><path d="M95 50 L125 50 M95 62 L125 62"/>"#.into(),
        "lights" => r#"<rect x="55" y="70" width="55" height="35" rx="8"/><path d="M110 80 L135 68 M110 95 L135 107 M112 87 L140 87"/><rect x="165" y="70" width="30" height="35" rx="8"/><circle cx="180" cy="87" r="6"/>"#.into(),
        "lock" => r#"<path d="M85 100 L85 60 Q85 30 120 30 Q155 30 155 60 L155 100"/><rect x="70" y="95" width="100" height="40" rx="6"/><circle cx="120" cy="115" r="6"/>"#.into(),
        "pump" => r#"<path d="M120 30 L120 120"/><path d="M95 30 L145 30"/><rect x="108" y="60" width="24" height="75" rx="4"/><path d="M80 140 L160 140"/><circle cx="165" cy="70" r="15"/><path d="M132 120 Q170 120 165 85"/>"#.into(),
        "bottle" if slug.contains("cage") => r#"<path d="M100 40 L100 140 Q120 150 140 140 L140 40"/><path d="M100 60 Q120 75 140 60 M100 110 Q120 125 140 110"/>"#.into(),
        "bottle" => r#"<path d="M105 30 L135 30 L135 45 Q150 55 150 75 L150 140 Q120 150 90 140 L90 75 Q90 55 105 45 Z"/><path d="M90 90 L150 90"/>"#.into(),
        "computer" => r#"<rect x="80" y="35" width="80" height="105" rx="12"/><rect x="92" y="48" width="56" height="50" rx="4"/><path d="M100 115 L140 115 M100 125 L125 125"/>"#.into(),
        "tyre" => r#"<circle cx="120" cy="85" r="55"/><circle cx="120" cy="85" r="40"/><path d="M120 30 L120 45 M120 125 L120 140 M65 85 L80 85 M160 85 L175 85 M81 46 L92 57 M148 113 L159 124 M81 124 L92 113 M148 57 L159 46"/>"#.into(),
        "chain" => r#"<rect x="40" y="70" width="50" height="30" rx="15"/><rect x="75" y="70" width="50" height="30" rx="15"/><rect x="110" y="70" width="50" height="30" rx="15"/><rect x="145" y="70" width="50" height="30" rx="15"/>"#.into(),
        "saddle" => r#"<path d="M45 70 Q60 55 120 60 Q175 62 195 80 Q175 95 130 90 Q90 88 60 85 Q45 82 45 70 Z"/><path d="M110 90 L110 140 M95 140 L125 140"/>"#.into(),
        "pedals" => r#"<rect x="45" y="70" width="60" height="35" rx="6"/><rect x="135" y="70" width="60" height="35" rx="6"/><path d="M105 87 L135 87"/><circle cx="75" cy="87" r="6"/><circle cx="165" cy="87" r="6"/>"#.into(),
        "brake" => r#"<circle cx="120" cy="85" r="50"/><circle cx="120" cy="85" r="10"/><path d="M75 60 Q95 35 125 38 L118 55 Q98 55 88 68 Z"/>"#.into(),
        "tool" if slug.contains("torque") => r#"<path d="M50 110 L170 60"/><circle cx="180" cy="56" r="14"/><rect x="45" y="100" width="40" height="22" rx="6" transform="rotate(-22 65 111)"/>"#.into(),
        "tool" => r#"<rect x="60" y="70" width="120" height="30" rx="12"/><path d="M75 70 L60 40 M95 70 L90 38 M115 70 L120 36 M135 70 L150 40"/><circle cx="165" cy="85" r="5"/>"#.into(),
        "stand" => r#"<path d="M120 40 L120 140 M80 140 L160 140 M120 140 L90 150 M120 140 L150 150"/><path d="M120 55 L165 45"/><rect x="160" y="35" width="22" height="20" rx="4"/>"#.into(),
        "gift" => r#"<rect x="55" y="45" width="130" height="85" rx="10"/><path d="M55 70 L185 70 M100 45 L100 130"/><path d="M100 45 Q85 25 95 25 Q105 25 100 45 Q115 25 110 25"/>"#.into(),
        _ => r#"<rect x="70" y="50" width="100" height="80" rx="6"/><path d="M70 70 L170 70 M120 50 L120 130"/>"#.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_gets_a_labelled_svg_file() {
        let svg = drawing_file("road-bike-allegro");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(r#"aria-label="Road Bike Allegro""#));
        assert!(svg.contains(">Road Bike Allegro</text>"));
    }

    #[test]
    fn products_of_different_kinds_get_different_drawings() {
        let drawings: std::collections::HashSet<String> = [
            "road-bike-allegro",
            "helmet-aero",
            "tyre-road-28",
            "gift-card-50",
            "socks-stripes",
        ]
        .into_iter()
        .map(motif)
        .collect();
        assert_eq!(drawings.len(), 5);
    }

    #[test]
    fn a_label_keeps_only_letters_and_digits() {
        assert_eq!(label("helmet-aero"), "Helmet Aero");
        assert_eq!(label("a<b>-\"c&"), "Ab C");
    }

    #[test]
    fn the_picture_drawn_into_a_page_is_the_files_drawing() {
        let file = drawing_file("helmet-aero");
        let page = view! { <ProductPicture slug="helmet-aero".to_string() width=240 height=180/> }
            .to_html();
        assert!(page.starts_with(r#"<svg viewBox="0 0 240 180" width="240" height="180""#));
        assert!(page.contains(r#"class="picture""#));
        assert!(page.contains(r#"aria-hidden="true""#));
        assert!(page.contains(&drawing("helmet-aero")));
        assert!(file.contains(&drawing("helmet-aero")));
    }
}
