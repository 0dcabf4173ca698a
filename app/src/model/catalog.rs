//! Products as the storefront shows them.

use serde::{Deserialize, Serialize};

/// How shoppers reach a person: shown beside the help code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreContact {
    pub phone: String,
    pub hours: String,
}

impl StoreContact {
    /// The `tel:` link for the number as written for people: "+1 555 0142 (demo)" dials
    /// `tel:+15550142`, "+44 (0)20 7946 0000" dials `tel:+442079460000` (the trunk zero in
    /// brackets is not dialled from abroad); only `+` and digits remain.
    pub fn dial_uri(&self) -> String {
        let digits: String = self
            .phone
            .replace("(0)", "")
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        format!("tel:{digits}")
    }
}

#[cfg(test)]
mod store_contact_tests {
    use super::StoreContact;

    fn dial(phone: &str) -> String {
        StoreContact {
            phone: phone.into(),
            hours: String::new(),
        }
        .dial_uri()
    }

    #[test]
    fn the_phone_link_dials_the_digits_of_the_number_as_written() {
        assert_eq!(dial("+1 555 0142 (demo)"), "tel:+15550142");
        assert_eq!(dial("+44 (0)20 7946 0000"), "tel:+442079460000");
        assert_eq!(dial("(555) 014-2"), "tel:5550142");
        assert_eq!(dial("+49-30-1234567"), "tel:+49301234567");
    }
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

/// Where the picture of the product `slug` is served from. The URL carries the version of
/// the drawings, so the server can let browsers keep a picture for good: a change to the
/// drawings is a new URL.
pub fn image_url(slug: &str) -> String {
    format!("/images/products/{slug}.svg?v={PICTURES_VERSION:08x}")
}

/// The version of the product drawings: a hash of the source that draws them
/// (`components/product_picture.rs`), so it moves whenever they change, with nothing to
/// remember to bump.
pub const PICTURES_VERSION: u32 = fnv1a(include_str!("../components/product_picture.rs"));

const fn fnv1a(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut hash = 0x811c_9dc5_u32;
    let mut i = 0;
    while i < bytes.len() {
        hash = (hash ^ bytes[i] as u32).wrapping_mul(0x0100_0193);
        i += 1;
    }
    hash
}
