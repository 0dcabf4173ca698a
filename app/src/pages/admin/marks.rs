//! What the rep has seen of each cart, for the active-carts list: a cart that appeared or
//! changed since the rep last looked keeps a "new" or "changed" marker (text, not only a
//! colour) until the rep opens it, and flashes for a few seconds when it happens. Kept by the
//! admin layout, so it lasts while the rep moves between admin pages.

use std::collections::HashMap;

use leptos::prelude::*;

use crate::components::clock::{now_ms, HIGHLIGHT_MS};
use crate::model::admin::CartSummary;

/// The marker a row carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// Appeared since the list was first shown, not opened yet.
    New,
    /// Changed since the rep last saw it.
    Changed,
}

impl Marker {
    pub fn label(self) -> &'static str {
        match self {
            Marker::New => "new",
            Marker::Changed => "changed",
        }
    }
}

/// How one row is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowMarks {
    /// Changed within the last few seconds: the row flashes.
    pub flashing: bool,
    pub marker: Option<Marker>,
}

#[derive(Clone, Copy)]
struct Seen {
    /// The version the rep has seen (0: never, for a cart that appeared later).
    seen_version: i64,
    /// The version last drawn, and when it was first drawn.
    drawn_version: i64,
    drawn_at: f64,
}

/// The rep's marks, provided by the admin layout.
#[derive(Clone, Copy)]
pub struct CartMarks {
    seen: StoredValue<HashMap<i64, Seen>>,
}

impl CartMarks {
    pub fn provide() {
        provide_context(CartMarks {
            seen: StoredValue::new(HashMap::new()),
        });
    }

    /// A list loaded whole (a page opened, another page of it, a finder result, a resync):
    /// what it shows that the rep has not met yet is where the rep starts from, unmarked.
    /// Carts already met keep their marks; only carts that arrive live afterwards are new.
    pub fn start_from(&self, rows: &[CartSummary]) {
        self.seen.try_update_value(|seen| {
            for row in rows {
                seen.entry(row.cart_id).or_insert(Seen {
                    seen_version: row.version,
                    drawn_version: row.version,
                    drawn_at: f64::MIN,
                });
            }
        });
    }

    /// The marks of `rows`, as they are drawn now.
    pub fn draw(&self, rows: &[CartSummary]) -> Vec<RowMarks> {
        let now = now_ms();
        self.seen
            .try_update_value(|seen| {
                rows.iter()
                    .map(|row| {
                        // Not met in a whole load: it arrived live.
                        let entry = seen.entry(row.cart_id).or_insert(Seen {
                            seen_version: 0,
                            drawn_version: row.version,
                            drawn_at: now,
                        });
                        if entry.drawn_version != row.version {
                            entry.drawn_version = row.version;
                            entry.drawn_at = now;
                        }
                        let marker = if entry.seen_version == 0 {
                            Some(Marker::New)
                        } else if row.version > entry.seen_version {
                            Some(Marker::Changed)
                        } else {
                            None
                        };
                        RowMarks {
                            // The server draws no flash (it cannot know what the rep saw).
                            flashing: now > 0.0 && now - entry.drawn_at < HIGHLIGHT_MS,
                            marker,
                        }
                    })
                    .collect()
            })
            .unwrap_or_else(|| vec![RowMarks::default(); rows.len()])
    }

    /// The rep opened the cart at `version`: its marker goes.
    pub fn saw(&self, cart_id: i64, version: i64) {
        self.seen.try_update_value(|seen| {
            let entry = seen.entry(cart_id).or_insert(Seen {
                seen_version: version,
                drawn_version: version,
                drawn_at: f64::MIN,
            });
            entry.seen_version = entry.seen_version.max(version);
        });
    }
}

/// The marks provided by the admin layout (a fresh set where there is none, e.g. in tests).
pub fn use_cart_marks() -> CartMarks {
    use_context::<CartMarks>().unwrap_or_else(|| {
        CartMarks::provide();
        expect_context::<CartMarks>()
    })
}
