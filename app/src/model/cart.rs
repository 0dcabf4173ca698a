//! A cart as shopper and rep see it, priced on the server in integer cents.

use serde::{Deserialize, Serialize};

use super::pricing::Discount;

/// The most of one product a single cart may hold.
pub const MAX_QUANTITY: i32 = 99;

/// One product in a cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub product_id: i64,
    pub slug: String,
    pub name: String,
    pub unit_price_cents: i64,
    pub quantity: i32,
    /// Taken off this line by line discounts.
    pub discount_cents: i64,
    /// What the line costs after its discounts.
    pub line_total_cents: i64,
    /// Units on hand, so the page can say when the quantity asked for cannot be met.
    pub stock: i32,
}

/// The shopper's cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartView {
    pub cart_id: i64,
    /// Shown as `K7M-2QX`.
    pub help_code: String,
    /// Raised by every change; edits send the version they were made against.
    pub version: i64,
    pub lines: Vec<CartLine>,
    /// Before any discount.
    pub subtotal_cents: i64,
    /// Taken off by discounts on the whole cart.
    pub cart_discount_cents: i64,
    /// What the shopper pays.
    pub total_cents: i64,
    /// Discounts in force, in the order given, with what each took.
    pub discounts: Vec<AppliedDiscount>,
    /// Links a rep sent that the shopper has not dismissed, newest first.
    pub links: Vec<PushedLink>,
    /// Display name of a rep viewing this cart right now.
    pub rep_viewing: Option<String>,
}

/// A discount in force and what it takes off now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedDiscount {
    pub discount: Discount,
    /// Product name for a line discount.
    pub product_name: Option<String>,
    pub taken_cents: i64,
    /// A capped rep discount that takes less than it asked for, because the cart is now
    /// worth less than when it was given (pricing rule 6).
    #[serde(default)]
    pub held_back: bool,
}

/// A link a rep pushed to the shopper.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedLink {
    pub link_id: i64,
    /// A path on this site, e.g. `/products/helmet-aero`.
    pub path: String,
    pub note: String,
    pub from: String,
    /// What the page is, for the link's card; `None` when the page is gone since.
    pub preview: Option<LinkPreview>,
}

/// What a link to a page of the site shows: its title, and for a product its picture and
/// price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkPreview {
    pub title: String,
    pub image_url: Option<String>,
    pub price_cents: Option<i64>,
}

impl CartView {
    /// Units across all lines, for the header badge.
    pub fn item_count(&self) -> i64 {
        self.lines.iter().map(|line| i64::from(line.quantity)).sum()
    }
}

/// Reads a quantity typed into a form, with a message a shopper understands when it is not one.
pub fn parse_quantity(typed: &str) -> Result<i32, String> {
    let message = || format!("Quantity must be a whole number from 1 to {MAX_QUANTITY}.");
    let value: i64 = typed.trim().parse().map_err(|_| message())?;
    if (1..=i64::from(MAX_QUANTITY)).contains(&value) {
        Ok(value as i32)
    } else {
        Err(message())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_quantity;

    #[test]
    fn quantities_from_one_to_ninety_nine_are_accepted() {
        assert_eq!(parse_quantity("1"), Ok(1));
        assert_eq!(parse_quantity(" 99 "), Ok(99));
    }

    #[test]
    fn zero_negative_huge_and_non_numeric_quantities_are_refused_with_a_message() {
        for typed in ["0", "-3", "100", "99999999999999999999", "two", "", "1.5"] {
            let refused = parse_quantity(typed).expect_err(typed);
            assert!(refused.contains("whole number"), "{typed}: {refused}");
        }
    }
}
