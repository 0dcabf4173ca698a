//! When each cart last changed, as heard on `cart_activity`, for what is kept per shopper.
//!
//! The clock ticks once per cart event this process hears. A page kept for a shopper notes
//! the tick before it was rendered; it is still right while its cart's last change is at or
//! before that tick. Carts not remembered changed at or before the floor: past
//! [`MAX_CARTS`] the memory starts afresh and the floor moves to now, which makes every
//! older note stale at once (correct, only costing renders).

use std::collections::HashMap;
use std::sync::Mutex;

/// Carts whose last change is remembered at most.
const MAX_CARTS: usize = 100_000;

/// See the module docs. Shared by the hub; cheap to consult.
#[derive(Default)]
pub struct CartClock {
    inner: Mutex<Ticks>,
}

#[derive(Default)]
struct Ticks {
    now: u64,
    floor: u64,
    last_change: HashMap<i64, u64>,
}

impl CartClock {
    /// The current tick: take it before reading what a cart looks like.
    pub fn now(&self) -> u64 {
        self.ticks().now
    }

    /// Records a change of `cart_id` (an event heard about it).
    pub fn changed(&self, cart_id: i64) {
        let mut ticks = self.ticks();
        ticks.now += 1;
        let now = ticks.now;
        if ticks.last_change.len() >= MAX_CARTS && !ticks.last_change.contains_key(&cart_id) {
            ticks.last_change.clear();
            ticks.floor = now;
        }
        ticks.last_change.insert(cart_id, now);
    }

    /// Records that changes may have been missed (the listener reconnected): every cart may
    /// have changed now.
    pub fn all_changed(&self) {
        let mut ticks = self.ticks();
        ticks.now += 1;
        ticks.floor = ticks.now;
        ticks.last_change.clear();
    }

    /// Whether `cart_id` is unchanged since tick `seen` was taken.
    pub fn unchanged_since(&self, cart_id: i64, seen: u64) -> bool {
        let ticks = self.ticks();
        let last = ticks
            .last_change
            .get(&cart_id)
            .copied()
            .unwrap_or(ticks.floor);
        last <= seen
    }

    fn ticks(&self) -> std::sync::MutexGuard<'_, Ticks> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cart_is_unchanged_until_an_event_about_it_is_heard() {
        let clock = CartClock::default();
        let seen = clock.now();
        assert!(clock.unchanged_since(7, seen));
        clock.changed(8);
        assert!(clock.unchanged_since(7, seen), "another cart's change");
        clock.changed(7);
        assert!(!clock.unchanged_since(7, seen));
        assert!(
            clock.unchanged_since(7, clock.now()),
            "seen after the change"
        );
    }

    #[test]
    fn after_a_resync_every_earlier_note_is_stale() {
        let clock = CartClock::default();
        let seen = clock.now();
        clock.all_changed();
        assert!(!clock.unchanged_since(7, seen));
        assert!(clock.unchanged_since(7, clock.now()));
    }

    #[test]
    fn forgetting_carts_to_save_memory_makes_older_notes_stale_not_fresh() {
        let clock = CartClock::default();
        for cart in 0..MAX_CARTS as i64 {
            clock.changed(cart);
        }
        let seen = clock.now();
        clock.changed(-1);
        assert!(
            !clock.unchanged_since(5, seen),
            "forgotten, so maybe changed"
        );
    }
}
