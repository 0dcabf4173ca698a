//! One page of a list that can grow (carts, finder results, orders, staff).

use serde::{Deserialize, Serialize};

/// A page of rows, and where the next one starts. Pagination is by keyset: the cursor names
/// the last row shown, so rows added or changed meanwhile never shift the pages (as an
/// offset would) and every page costs the same to fetch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass back to get the next page; `None` on the last page.
    pub next: Option<String>,
}
