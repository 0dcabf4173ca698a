//! Carts as reps see them: the active-carts list, finder results and the cart detail.

use serde::{Deserialize, Serialize};

use super::cart::CartView;

/// One row of the active-carts list and of finder results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartSummary {
    pub cart_id: i64,
    /// Shown as `K7M-2QX`.
    pub help_code: String,
    pub version: i64,
    pub item_count: i64,
    pub total_cents: i64,
    /// Seconds since the last change, measured by the server when it answered.
    pub idle_seconds: i64,
    pub customer: Option<String>,
    /// Browser and system, e.g. "Chrome on Windows".
    pub device: String,
}

/// What the finder was asked and what it found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinderResult {
    /// How the query was read: "help code", "order number", "customer" or "product".
    pub matched_by: String,
    /// Active carts, a page of them.
    pub carts: Vec<CartSummary>,
    /// Cursor of the next page of carts, if there is one.
    pub next: Option<String>,
    /// Set when the query was a help code matching exactly one active cart: go straight there.
    pub exact_cart: Option<i64>,
    /// Set when the query named an order (its number, or the help code of a cart ordered in
    /// the last week): go straight to it. Shown as `4K7M-2QXA`.
    pub exact_order: Option<String>,
    /// Orders of the customers found by email or name, newest first.
    pub orders: Vec<super::order::OrderSummary>,
}

/// Everything the cart detail page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartDetail {
    pub cart: CartView,
    pub status: String,
    pub customer: Option<String>,
    pub device: String,
    pub user_agent: String,
    pub idle_seconds: i64,
    pub created_seconds_ago: i64,
    /// Rep actions on this cart, newest first.
    pub audit: Vec<AuditEntry>,
    /// Whether the shopper has a storefront page open right now.
    pub shopper_online: bool,
    /// The order this cart became, if it did: its number (`4K7M-2QXA`) and when (RFC 3339).
    pub order: Option<(String, String)>,
}

/// One line of a cart's audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub audit_id: i64,
    pub who: String,
    pub action: String,
    /// "Added 2 × Floor Pump Track", "Gave 10% off the cart: loyal customer", ...
    pub summary: String,
    pub seconds_ago: i64,
}

/// Turns a stored audit record into a sentence for the timeline.
pub fn describe_audit(action: &str, detail: &serde_json::Value) -> String {
    let text = |key: &str| detail[key].as_str().unwrap_or_default().to_string();
    let number = |key: &str| detail[key].as_i64().unwrap_or_default();
    let money = |key: &str| super::money::format_cents(number(key));
    match action {
        "item_added" => format!("Added {} (now {})", text("product"), number("after")),
        "quantity_changed" => format!(
            "Changed {} from {} to {}",
            text("product"),
            number("before"),
            number("after")
        ),
        "item_removed" => format!("Removed {}", text("product")),
        "discount_added" => {
            let amount = match detail["basis_points"].as_i64() {
                Some(bp) => format!("{}%", bp as f64 / 100.0),
                None => money("amount_cents"),
            };
            let target = if detail["product_id"].is_null() {
                "the cart"
            } else {
                "a line"
            };
            format!(
                "Gave {amount} off {target} ({}); total {} → {}",
                text("reason"),
                money("total_before"),
                money("total_after")
            )
        }
        "discount_removed" => format!(
            "Removed the discount \"{}\"; total {} → {}",
            text("reason"),
            money("total_before"),
            money("total_after")
        ),
        "link_pushed" => format!("Sent a link to {}", text("path")),
        other => other.replace('_', " "),
    }
}

/// What the `/events` status page shows about this server process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayStatus {
    pub connections: usize,
    /// `<username>-<n>` of every connection.
    pub sessions: Vec<String>,
}

/// "just now", "5 min ago", "3 h ago", "2 days ago".
pub fn describe_idle(seconds: i64) -> String {
    match seconds {
        s if s < 60 => "just now".into(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}

/// A short, human description of a user agent string.
pub fn describe_device(user_agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .into_iter()
    .find(|(marker, _)| user_agent.contains(marker))
    .map_or("Unknown browser", |(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(marker, _)| user_agent.contains(marker))
    .map(|(_, name)| name);
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_summarised_as_browser_and_system() {
        let chrome_windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
        assert_eq!(describe_device(chrome_windows), "Chrome on Windows");
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_device(safari_iphone), "Safari on iPhone");
        assert_eq!(describe_device(""), "Unknown browser");
    }

    #[test]
    fn idle_time_reads_naturally() {
        assert_eq!(describe_idle(5), "just now");
        assert_eq!(describe_idle(300), "5 min ago");
        assert_eq!(describe_idle(7200), "2 h ago");
        assert_eq!(describe_idle(200_000), "2 days ago");
    }
}
