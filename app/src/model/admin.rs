//! Carts as reps see them: the active-carts list, finder results and the cart detail.

use serde::{Deserialize, Serialize};

use super::cart::CartView;
use super::live::CartActivity;

/// One row of the active-carts list and of finder results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartSummary {
    pub cart_id: i64,
    /// Shown as `K7M-2QX`.
    pub help_code: String,
    pub version: i64,
    /// `active`, `ordered` or `closed`: a live list drops rows that are no longer active.
    pub status: String,
    pub item_count: i64,
    /// After every discount in force.
    pub total_cents: i64,
    /// When the cart last changed (RFC 3339, UTC, to the microsecond). Sent instead of an
    /// idle time, so a summary stays the same until the cart changes and can be cached.
    pub updated_at: String,
    pub customer: Option<String>,
    /// Browser and system, e.g. "Chrome on Windows".
    pub device: String,
}

/// Who is with a cart right now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartPresence {
    pub shopper_online: bool,
    /// Display name of the rep viewing it.
    pub rep_viewing: Option<String>,
}

/// A page of cart summaries, and the server's clock when it answered (idle times on the
/// page are counted to it, the same on the server and in the browser).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartList {
    pub items: Vec<CartSummary>,
    /// Cursor of the next page, if there is one.
    pub next: Option<String>,
    /// RFC 3339, UTC.
    pub as_of: String,
}

/// Rows on a page of the active-carts list and of finder results.
pub const CARTS_PER_PAGE: usize = 50;
/// Carts asked for at most in one `cart_summaries` request.
pub const SUMMARIES_PER_REQUEST: usize = 100;

/// What a live list does about a burst of cart changes: summaries to fetch (cart, version)
/// and rows to drop without fetching anything.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ListRefresh {
    pub wanted: Vec<(i64, i64)>,
    pub dropped: Vec<i64>,
}

/// Which rows a live list keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListScope {
    /// The first page of all carts takes carts it does not show yet; a later page or finder
    /// results (whose filter would hide them) do not.
    pub takes_new_rows: bool,
    /// Carts with nothing in them are left out (the list's default).
    pub hides_empty: bool,
}

impl CartList {
    /// What to do about `changes`. A change whose version is not newer than the row shown
    /// costs nothing; presence changes (same version) are not summaries' business; a cart
    /// that stopped being active is dropped; a cart not shown is fetched only when the list
    /// takes new rows.
    pub fn plan(&self, changes: &[CartActivity], scope: ListScope) -> ListRefresh {
        let takes_new_rows = scope.takes_new_rows;
        let mut newest: Vec<(i64, i64, bool)> = Vec::new();
        for change in changes {
            if super::live::is_presence(&change.op) {
                continue;
            }
            let active = change
                .status
                .as_deref()
                .is_none_or(|status| status == "active");
            match newest
                .iter_mut()
                .find(|(cart, _, _)| *cart == change.cart_id)
            {
                Some(entry) if entry.1 <= change.version => {
                    *entry = (change.cart_id, change.version, active)
                }
                Some(_) => {}
                None => newest.push((change.cart_id, change.version, active)),
            }
        }
        let mut refresh = ListRefresh::default();
        for (cart_id, version, active) in newest {
            let shown = self.items.iter().find(|row| row.cart_id == cart_id);
            match (shown, active) {
                (Some(_), false) => refresh.dropped.push(cart_id),
                (None, false) => {}
                (Some(row), true) if row.version >= version => {}
                (Some(_), true) => refresh.wanted.push((cart_id, version)),
                (None, true) if takes_new_rows => refresh.wanted.push((cart_id, version)),
                (None, true) => {}
            }
        }
        refresh
    }

    /// Removes the rows of `cart_ids`.
    pub fn drop_carts(&mut self, cart_ids: &[i64]) {
        self.items.retain(|row| !cart_ids.contains(&row.cart_id));
    }

    /// Patches the rows with `fresh` summaries: newer versions replace rows, carts no longer
    /// active leave, and, when the list takes new rows, new carts come in and the rows are
    /// put back in order of last activity, a page of them (the cursor of the next page then
    /// names the new last row, so a row pushed off is on the next page).
    pub fn apply(&mut self, fresh: CartList, scope: ListScope) {
        let takes_new_rows = scope.takes_new_rows;
        for summary in fresh.items {
            let at = self
                .items
                .iter()
                .position(|row| row.cart_id == summary.cart_id);
            let hidden =
                summary.status != "active" || (scope.hides_empty && summary.item_count == 0);
            match at {
                _ if hidden => self.drop_carts(&[summary.cart_id]),
                Some(at) if self.items[at].version <= summary.version => self.items[at] = summary,
                Some(_) => {}
                None if takes_new_rows => self.items.push(summary),
                None => {}
            }
        }
        if takes_new_rows {
            self.items
                .sort_by(|a, b| (&b.updated_at, b.cart_id).cmp(&(&a.updated_at, a.cart_id)));
            if self.items.len() > CARTS_PER_PAGE {
                self.items.truncate(CARTS_PER_PAGE);
                self.next = self
                    .items
                    .last()
                    .map(|last| format!("{}|{}", last.updated_at, last.cart_id));
            }
        }
        if fresh.as_of > self.as_of {
            self.as_of = fresh.as_of;
        }
    }
}

/// `cart:version` pairs as `cart_summaries` takes them: `"12:4,13:9"`.
pub fn write_wanted(wanted: &[(i64, i64)]) -> String {
    wanted
        .iter()
        .map(|(cart, version)| format!("{cart}:{version}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads what [`write_wanted`] wrote; `None` when it is not that, or asks for more than
/// [`SUMMARIES_PER_REQUEST`] carts.
pub fn read_wanted(text: &str) -> Option<Vec<(i64, i64)>> {
    let wanted: Vec<(i64, i64)> = text
        .split(',')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (cart, version) = pair.split_once(':')?;
            Some((cart.parse().ok()?, version.parse().ok()?))
        })
        .collect::<Option<_>>()?;
    (wanted.len() <= SUMMARIES_PER_REQUEST).then_some(wanted)
}

/// Seconds from `since` to `until` (both RFC 3339 UTC, as the server writes them); 0 when
/// either cannot be read.
pub fn seconds_between(since: &str, until: &str) -> i64 {
    match (unix_seconds(since), unix_seconds(until)) {
        (Some(since), Some(until)) => (until - since).max(0),
        _ => 0,
    }
}

/// Unix time in microseconds written as the server writes timestamps:
/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC; sorts as text in time order).
pub fn format_utc(unix_micros: i64) -> String {
    let seconds = unix_micros.div_euclid(1_000_000);
    let micros = unix_micros.rem_euclid(1_000_000);
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    // Civil date from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// Reads `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` as Unix seconds (no time-zone database needed).
fn unix_seconds(text: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
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
    /// The server's clock when it answered (RFC 3339, UTC).
    pub as_of: String,
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
    /// The cap the viewing rep's discounts are held to, and what is left of it; `None` for a
    /// discount manager.
    pub discount_cap: Option<crate::model::pricing::DiscountCap>,
    /// The viewing rep's visit of this cart's page (`server::presence`), which the page sends
    /// back to stay marked as viewing and to say it left; only in the answer to a load.
    #[serde(default)]
    pub visit: Option<String>,
}

/// What changed between two versions of a cart as the rep sees it, in a sentence for a
/// screen reader: "Aero Road Helmet added. Summer Gloves now 3. Total $45.00."
pub fn describe_changes(before: &CartDetail, after: &CartDetail) -> String {
    let (old, new) = (&before.cart, &after.cart);
    if old.cart_id != new.cart_id {
        return String::new();
    }
    let mut said = Vec::new();
    for line in &new.lines {
        match old
            .lines
            .iter()
            .find(|old| old.product_id == line.product_id)
        {
            None => said.push(format!("{} added.", line.name)),
            Some(old) if old.quantity != line.quantity => {
                said.push(format!("{} now {}.", line.name, line.quantity))
            }
            Some(_) => {}
        }
    }
    for line in &old.lines {
        if !new
            .lines
            .iter()
            .any(|new| new.product_id == line.product_id)
        {
            said.push(format!("{} removed.", line.name));
        }
    }
    if old.discounts.len() != new.discounts.len() {
        said.push(format!("{} discounts.", new.discounts.len()));
    }
    if before.status != after.status {
        said.push(format!("The cart is now {}.", after.status));
    }
    if old.total_cents != new.total_cents || !said.is_empty() {
        said.push(format!(
            "Total {}.",
            super::money::format_cents(new.total_cents)
        ));
    }
    said.join(" ")
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

/// Turns a rep's audit record into what the shopper is told: who did what, in the shopper's
/// terms ("Ava added Aero Road Helmet", "Ava gave you 10% off the whole cart"), and the line
/// it touched, to highlight.
pub fn describe_for_shopper(
    rep: &str,
    action: &str,
    detail: &serde_json::Value,
) -> (String, Option<i64>) {
    let text = |key: &str| detail[key].as_str().unwrap_or_default().to_string();
    let product_id = detail["product_id"].as_i64();
    let message = match action {
        "item_added" => format!("{rep} added {}", text("product")),
        "quantity_changed" => format!(
            "{rep} changed {} to {}",
            text("product"),
            detail["after"].as_i64().unwrap_or_default()
        ),
        "item_removed" => format!("{rep} removed {}", text("product")),
        "discount_added" => {
            let amount = match detail["basis_points"].as_i64() {
                Some(bp) => format!("{}%", bp as f64 / 100.0),
                None => {
                    super::money::format_cents(detail["amount_cents"].as_i64().unwrap_or_default())
                }
            };
            match detail["product"].as_str() {
                Some(product) => format!("{rep} gave you {amount} off {product}"),
                None if product_id.is_some() => format!("{rep} gave you {amount} off a line"),
                None => format!("{rep} gave you {amount} off the whole cart"),
            }
        }
        "discount_removed" => format!("{rep} took back the discount \"{}\"", text("reason")),
        "link_pushed" => format!("{rep} sent you a link"),
        _ => format!("{rep} updated your cart"),
    };
    (message, product_id)
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
            let product = text("product");
            let target = if detail["product_id"].is_null() {
                "the cart"
            } else if product.is_empty() {
                "a line"
            } else {
                product.as_str()
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

#[cfg(test)]
mod clock_tests {
    use super::{format_utc, seconds_between};

    #[test]
    fn idle_times_are_counted_between_two_server_timestamps() {
        assert_eq!(
            seconds_between("2026-11-27T09:00:00.123456Z", "2026-11-27T09:03:05Z"),
            185
        );
        assert_eq!(
            seconds_between("2024-02-28T23:59:59Z", "2024-03-01T00:00:00Z"),
            86_401,
            "a leap day"
        );
        assert_eq!(seconds_between("garbage", "2026-11-27T09:00:00Z"), 0);
    }

    #[test]
    fn timestamps_are_written_as_the_database_writes_them_and_read_back() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00.000000Z");
        // 2024-02-29T12:34:56.789012Z
        let leap = 1_709_210_096_789_012;
        assert_eq!(format_utc(leap), "2024-02-29T12:34:56.789012Z");
        for seconds in [0_i64, 951_782_400, 1_709_210_096, 4_102_444_799] {
            let written = format_utc(seconds * 1_000_000);
            assert_eq!(
                seconds_between("1970-01-01T00:00:00Z", &written),
                seconds,
                "{written}"
            );
        }
    }
}

#[cfg(test)]
mod live_list_tests {
    use super::*;

    const NEW_ROWS: ListScope = ListScope {
        takes_new_rows: true,
        hides_empty: true,
    };
    const FILTERED: ListScope = ListScope {
        takes_new_rows: false,
        hides_empty: true,
    };

    #[test]
    fn a_cart_emptied_leaves_a_list_that_hides_empty_carts_and_stays_in_one_that_does_not() {
        let mut hiding = list(vec![row(1, 1, "2026-11-27T08:00:00.000000Z")]);
        let mut showing = hiding.clone();
        let emptied = || {
            list(vec![CartSummary {
                item_count: 0,
                ..row(1, 2, "2026-11-27T09:00:00.000000Z")
            }])
        };
        hiding.apply(emptied(), NEW_ROWS);
        assert!(hiding.items.is_empty());
        let showing_scope = ListScope {
            takes_new_rows: true,
            hides_empty: false,
        };
        showing.apply(emptied(), showing_scope);
        assert_eq!(showing.items.len(), 1);
    }

    fn row(cart_id: i64, version: i64, updated_at: &str) -> CartSummary {
        CartSummary {
            cart_id,
            help_code: format!("C{cart_id}"),
            version,
            status: "active".into(),
            item_count: 1,
            total_cents: 100 * version,
            updated_at: updated_at.into(),
            customer: None,
            device: "curl".into(),
        }
    }

    fn change(cart_id: i64, op: &str, version: i64, status: &str) -> CartActivity {
        CartActivity {
            cart_id,
            op: op.into(),
            version,
            status: Some(status.into()),
        }
    }

    fn list(items: Vec<CartSummary>) -> CartList {
        CartList {
            items,
            next: None,
            as_of: "2026-11-27T09:00:00.000000Z".into(),
        }
    }

    #[test]
    fn a_burst_asks_once_per_cart_for_its_newest_version_and_nothing_for_what_is_shown() {
        let shown = list(vec![
            row(1, 3, "2026-11-27T08:00:00.000000Z"),
            row(2, 5, "2026-11-27T07:00:00.000000Z"),
        ]);
        let changes = [
            change(1, "item_added", 4, "active"),
            change(1, "item_added", 6, "active"),
            change(1, "item_added", 5, "active"),
            change(2, "item_added", 5, "active"),
            change(2, "shopper_online", 5, "active"),
            change(3, "cart_created", 1, "active"),
            change(4, "ordered", 9, "ordered"),
        ];
        let plan = shown.plan(&changes, NEW_ROWS);
        assert_eq!(plan.wanted, vec![(1, 6), (3, 1)]);
        assert!(plan.dropped.is_empty());
        let filtered = shown.plan(&changes, FILTERED);
        assert_eq!(
            filtered.wanted,
            vec![(1, 6)],
            "a filtered list takes no new rows"
        );
        let ordered = shown.plan(&[change(2, "ordered", 6, "ordered")], NEW_ROWS);
        assert_eq!(
            ordered,
            ListRefresh {
                wanted: vec![],
                dropped: vec![2]
            }
        );
    }

    #[test]
    fn fresh_summaries_patch_reorder_insert_and_drop_rows_a_page_at_most() {
        let mut shown = list(
            (0..CARTS_PER_PAGE as i64)
                .map(|i| row(i, 1, &format!("2026-11-27T08:{:02}:00.000000Z", 59 - i)))
                .collect(),
        );
        let mut fresh = list(vec![
            row(40, 2, "2026-11-27T09:00:01.000000Z"),
            row(900, 1, "2026-11-27T09:00:02.000000Z"),
            row(901, 1, "2026-11-27T09:00:00.500000Z"),
            CartSummary {
                status: "ordered".into(),
                ..row(3, 2, "2026-11-27T09:00:03.000000Z")
            },
        ]);
        fresh.as_of = "2026-11-27T09:00:04.000000Z".into();
        shown.apply(fresh, NEW_ROWS);
        let order: Vec<i64> = shown.items.iter().take(3).map(|row| row.cart_id).collect();
        assert_eq!(order, vec![900, 40, 901]);
        assert_eq!(shown.items.len(), CARTS_PER_PAGE);
        assert!(
            !shown.items.iter().any(|row| row.cart_id == 3),
            "ordered carts leave"
        );
        assert_eq!(shown.items[1].total_cents, 200);
        assert_eq!(
            shown.next.as_deref(),
            Some("2026-11-27T08:11:00.000000Z|48"),
            "the row pushed off starts the next page"
        );
        assert_eq!(shown.as_of, "2026-11-27T09:00:04.000000Z");

        let mut found = list(vec![row(7, 1, "2026-11-27T08:00:00.000000Z")]);
        found.apply(
            list(vec![
                row(7, 2, "2026-11-27T09:00:00.000000Z"),
                row(8, 1, "2026-11-27T09:00:00.000000Z"),
            ]),
            FILTERED,
        );
        assert_eq!(found.items.len(), 1, "rows hidden by a filter stay hidden");
        assert_eq!(found.items[0].version, 2);
        found.apply(
            list(vec![row(7, 1, "2026-11-27T07:00:00.000000Z")]),
            FILTERED,
        );
        assert_eq!(
            found.items[0].version, 2,
            "an older summary never replaces a newer row"
        );
    }

    #[test]
    fn wanted_pairs_are_written_and_read_back_and_refused_when_odd_or_too_many() {
        assert_eq!(
            read_wanted(&write_wanted(&[(1, 2), (30, 40)])),
            Some(vec![(1, 2), (30, 40)])
        );
        assert_eq!(read_wanted(""), Some(vec![]));
        assert_eq!(read_wanted("1:2,x:3"), None);
        assert_eq!(read_wanted("1"), None);
        let many: Vec<(i64, i64)> = (0..=SUMMARIES_PER_REQUEST as i64).map(|i| (i, 1)).collect();
        assert_eq!(read_wanted(&write_wanted(&many)), None);
    }
}
