//! Cart summaries (a row of the active-carts list) read from the database once and served to
//! every rep from memory, so what a cart change costs does not grow with the number of reps
//! watching.
//!
//! A summary is keyed by its cart and version, plus the hub's summary epoch: what a summary
//! shows beyond the cart's own rows (product prices and names, the customer) changes the
//! epoch (`catalog_activity`), and the cache starts afresh then. Idle time is not in it (the
//! summary carries `updated_at`; pages count from it). A rep asks for the versions its live
//! events named; a cached summary at that version or newer is served as it is. Concurrent
//! misses for one cart wait for a single read. The cache holds at most [`MAX_ENTRIES`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::AppState;
use crate::error::AppError;
use crate::model::admin::CartSummary;

/// Summaries kept at most; past that the cache starts afresh.
pub const MAX_ENTRIES: usize = 20_000;
/// Distinct (cart, version) reads remembered for [`SummaryCache::reads_of`].
const READS_REMEMBERED: usize = 10_000;

/// The cache. Cheap to clone.
#[derive(Clone, Default)]
pub struct SummaryCache {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    state: Mutex<Cached>,
    /// One lock per cart being read, so concurrent misses wait for one read.
    loading: Mutex<HashMap<i64, ReadLock>>,
}

/// Held while a cart's summary is read.
type ReadLock = Arc<tokio::sync::Mutex<()>>;

#[derive(Default)]
struct Cached {
    epoch: u64,
    summaries: HashMap<i64, Arc<CartSummary>>,
    /// How many times each (cart, version) was read from the database.
    reads: HashMap<(i64, i64), u32>,
}

impl SummaryCache {
    /// Summaries of `wanted` (cart, version) pairs: from memory when held at that version or
    /// newer, else read from the database (once, however many ask at the same time).
    pub async fn get(
        &self,
        state: &AppState,
        wanted: &[(i64, i64)],
    ) -> Result<Vec<CartSummary>, AppError> {
        let epoch = state.hub.summary_epoch();
        let missing = self.missing(epoch, wanted);
        if !missing.is_empty() {
            let locks = self.read_locks(&missing);
            // Locks taken in id order: two requests never wait on each other crosswise.
            let mut guards = Vec::with_capacity(locks.len());
            for (_, lock) in &locks {
                guards.push(lock.lock().await);
            }
            // Another request may have read them while this one waited.
            let still: Vec<i64> = self
                .missing(epoch, &missing)
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            let read = if still.is_empty() {
                Ok(())
            } else {
                super::db::admin::summaries(&state.db, &still)
                    .await
                    .map(|read| self.store(epoch, read))
            };
            drop(guards);
            self.release(locks);
            read?;
        }
        let cached = self.lock();
        Ok(wanted
            .iter()
            .filter_map(|(id, _)| cached.summaries.get(id).map(|s| (**s).clone()))
            .collect())
    }

    /// The read lock of each cart in `missing` (once each, in id order), made where none is.
    fn read_locks(&self, missing: &[(i64, i64)]) -> Vec<(i64, ReadLock)> {
        let mut ids: Vec<i64> = missing.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut loading = self.loading();
        ids.into_iter()
            .map(|id| (id, loading.entry(id).or_default().clone()))
            .collect()
    }

    /// Gives back read locks from [`Self::read_locks`]: one nobody else holds is forgotten.
    fn release(&self, locks: Vec<(i64, ReadLock)>) {
        let mut loading = self.loading();
        for (id, lock) in locks {
            // Only this request and the map hold it: nobody waits.
            if Arc::strong_count(&lock) <= 2 {
                loading.remove(&id);
            }
        }
    }

    /// Of `wanted`, those not held at their version or newer (the cache is emptied first
    /// when the epoch moved).
    fn missing(&self, epoch: u64, wanted: &[(i64, i64)]) -> Vec<(i64, i64)> {
        let mut cached = self.lock();
        if cached.epoch != epoch {
            cached.summaries.clear();
            cached.epoch = epoch;
        }
        wanted
            .iter()
            .filter(|(id, version)| {
                cached
                    .summaries
                    .get(id)
                    .is_none_or(|summary| summary.version < *version)
            })
            .copied()
            .collect()
    }

    fn store(&self, epoch: u64, read: Vec<CartSummary>) {
        let mut cached = self.lock();
        if cached.epoch != epoch {
            // The epoch moved while reading: what was read may be stale already.
            return;
        }
        if cached.summaries.len() + read.len() > MAX_ENTRIES {
            cached.summaries.clear();
        }
        if cached.reads.len() > READS_REMEMBERED {
            cached.reads.clear();
        }
        for summary in read {
            *cached
                .reads
                .entry((summary.cart_id, summary.version))
                .or_default() += 1;
            cached.summaries.insert(summary.cart_id, Arc::new(summary));
        }
    }

    /// How many times the summary of `cart_id` at `version` was read from the database
    /// (recent reads only; for tests and the curious).
    pub fn reads_of(&self, cart_id: i64, version: i64) -> u32 {
        self.lock()
            .reads
            .get(&(cart_id, version))
            .copied()
            .unwrap_or(0)
    }

    fn lock(&self) -> MutexGuard<'_, Cached> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn loading(&self) -> MutexGuard<'_, HashMap<i64, ReadLock>> {
        self.inner
            .loading
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_lock_another_request_holds_is_kept_whatever_order_the_carts_were_asked_in() {
        let cache = SummaryCache::default();
        // One request asks for carts 5 and 2 (in that order); another waits on cart 5.
        let mine = cache.read_locks(&[(5, 1), (2, 1)]);
        let theirs = cache.read_locks(&[(5, 1)]);
        cache.release(mine);
        // A third request for cart 5 must queue behind the same lock, not read beside it.
        let third = cache.read_locks(&[(5, 1)]);
        assert!(Arc::ptr_eq(&theirs[0].1, &third[0].1));
        // Cart 2's lock, held by nobody now, was forgotten.
        assert!(!cache.loading().contains_key(&2));
    }
}
