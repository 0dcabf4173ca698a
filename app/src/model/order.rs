//! Orders as shoppers and staff see them, and the checkout form's rules.
//!
//! An order is a snapshot: its lines, discounts and totals are copied from the cart as the
//! server priced it at the moment it was placed, so later price or discount changes never
//! alter it.

use serde::{Deserialize, Serialize};

use super::help_code::ALPHABET;
use super::text::single_line;

/// Characters in an order number (shown as `4K7M-2QXA`).
pub const ORDER_NUMBER_LENGTH: usize = 8;

/// An order's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed; no payment provider is connected yet (see `server::payment`).
    AwaitingPayment,
    Paid,
    /// Cancelled by staff or expired unpaid; its stock went back.
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 3] = [
        OrderStatus::AwaitingPayment,
        OrderStatus::Paid,
        OrderStatus::Cancelled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::AwaitingPayment => "awaiting_payment",
            OrderStatus::Paid => "paid",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }

    /// How the status reads on a page.
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::AwaitingPayment => "Awaiting payment",
            OrderStatus::Paid => "Paid",
            OrderStatus::Cancelled => "Cancelled",
        }
    }
}

/// A line as it was ordered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub product_id: i64,
    pub product_name: String,
    pub unit_price_cents: i64,
    pub quantity: i32,
    pub discount_cents: i64,
    pub line_total_cents: i64,
}

/// A discount as it applied to the order, with who gave it and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDiscount {
    /// "10%" or "$5.00".
    pub amount: String,
    /// The line's product, for a line discount.
    pub product_name: Option<String>,
    pub reason: String,
    pub given_by: String,
    pub taken_cents: i64,
}

/// An order in full.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    /// Shown as `4K7M-2QXA`.
    pub order_number: String,
    pub status: OrderStatus,
    pub contact_name: String,
    pub email: String,
    pub address: String,
    pub lines: Vec<OrderLine>,
    pub discounts: Vec<OrderDiscount>,
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub total_cents: i64,
    /// RFC 3339.
    pub created_at: String,
    /// The cart it was placed from (staff pages link to it).
    pub cart_id: i64,
    pub cancel_reason: Option<String>,
}

/// A row of the staff orders list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub order_id: i64,
    pub order_number: String,
    pub status: OrderStatus,
    pub customer: String,
    pub item_count: i64,
    pub total_cents: i64,
    pub created_at: String,
}

/// What the checkout page shows: the cart as the server prices it now, and the form as the
/// shopper last filled it (kept on the server, so a refused plain form post loses nothing),
/// with what was wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutPage {
    pub cart: Option<super::cart::CartView>,
    pub draft: CheckoutDetails,
    pub problems: CheckoutProblems,
}

/// Shows a stored order number as it is read out: `4K7M-2QXA`.
pub fn display_order_number(stored: &str) -> String {
    if stored.len() == ORDER_NUMBER_LENGTH && stored.is_ascii() {
        format!("{}-{}", &stored[..4], &stored[4..])
    } else {
        stored.to_string()
    }
}

/// Reads an order number as typed (any case, dash optional); `None` if it cannot be one.
pub fn parse_order_number(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == ORDER_NUMBER_LENGTH && code.bytes().all(|b| ALPHABET.contains(&b)))
        .then_some(code)
}

/// What the checkout form asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutDetails {
    pub email: String,
    pub name: String,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
}

/// What is wrong with the checkout form: one sentence per field, in the form's order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutProblems(pub Vec<(String, String)>);

impl CheckoutProblems {
    /// The problem with `field`, if any.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, message)| message.as_str())
    }

    /// All problems in one sentence each, for a summary at the top of the form.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|(_, message)| message.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl CheckoutDetails {
    /// The details trimmed and checked: every field present, no control characters, within
    /// its length, and an email that looks like one.
    pub fn validated(&self) -> Result<CheckoutDetails, CheckoutProblems> {
        let mut problems = Vec::new();
        let mut field = |name: &str, label: &str, value: &str, max: usize| -> String {
            match single_line(label, value, max) {
                Ok(clean) if clean.is_empty() => {
                    problems.push((name.to_string(), format!("{label} is needed.")));
                    clean
                }
                Ok(clean) => clean,
                Err(message) => {
                    problems.push((name.to_string(), message));
                    String::new()
                }
            }
        };
        let email = field("email", "Your email", &self.email, 254);
        let name = field("name", "Your name", &self.name, 200);
        let address_line = field(
            "address_line",
            "The street address",
            &self.address_line,
            200,
        );
        let postal_code = field("postal_code", "The postal code", &self.postal_code, 20);
        let city = field("city", "The city", &self.city, 100);
        let country = field("country", "The country", &self.country, 100);
        if !email.is_empty() && !looks_like_email(&email) {
            problems.push((
                "email".to_string(),
                "That email address does not look right: it should be like name@example.com."
                    .to_string(),
            ));
        }
        if problems.is_empty() {
            Ok(CheckoutDetails {
                email,
                name,
                address_line,
                postal_code,
                city,
                country,
            })
        } else {
            Err(CheckoutProblems(problems))
        }
    }

    /// The address on one line, as order pages show it.
    pub fn address(&self) -> String {
        format!(
            "{}, {} {}, {}",
            self.address_line, self.postal_code, self.city, self.country
        )
    }
}

/// A plausible email: one `@`, something before it, a dotted domain after it, no spaces.
pub fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !text.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details() -> CheckoutDetails {
        CheckoutDetails {
            email: " Ada@Example.com ".into(),
            name: "Ada Lovelace".into(),
            address_line: "12 Cycle Lane".into(),
            postal_code: "1010".into(),
            city: "Vienna".into(),
            country: "Austria".into(),
        }
    }

    #[test]
    fn complete_details_are_trimmed_and_accepted() {
        let valid = details().validated().unwrap();
        assert_eq!(valid.email, "Ada@Example.com");
        assert_eq!(valid.address(), "12 Cycle Lane, 1010 Vienna, Austria");
    }

    #[test]
    fn each_missing_or_bad_field_gets_its_own_sentence() {
        let problems = CheckoutDetails {
            email: "not-an-email".into(),
            name: String::new(),
            city: "x".repeat(101),
            country: "line\r\nbreak".into(),
            ..details()
        }
        .validated()
        .unwrap_err();
        assert!(problems
            .for_field("email")
            .unwrap()
            .contains("does not look right"));
        assert_eq!(problems.for_field("name"), Some("Your name is needed."));
        assert!(problems.for_field("city").unwrap().contains("at most 100"));
        assert!(problems
            .for_field("country")
            .unwrap()
            .contains("cannot be used"));
        assert_eq!(problems.for_field("postal_code"), None);
    }

    #[test]
    fn order_numbers_read_back_however_typed() {
        assert_eq!(display_order_number("4K7M2QXA"), "4K7M-2QXA");
        assert_eq!(parse_order_number("4k7m-2qxa"), Some("4K7M2QXA".into()));
        assert_eq!(
            parse_order_number("K7M-2QX"),
            None,
            "a help code is not one"
        );
        assert_eq!(parse_order_number("OOOO-OOOO"), None);
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        for good in ["a@b.co", "first.last+tag@shop.example.com"] {
            assert!(looks_like_email(good), "{good}");
        }
        for bad in [
            "a@b", "@b.co", "a@@b.co", "a b@c.co", "a@.co", "a@b..co", "a@b.co.",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}
