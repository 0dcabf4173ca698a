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
    loading: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

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
            let locks: Vec<Arc<tokio::sync::Mutex<()>>> = {
                let mut loading = self.loading();
                let mut ids: Vec<i64> = missing.iter().map(|(id, _)| *id).collect();
                ids.sort_unstable();
                ids.dedup();
                ids.iter()
                    .map(|id| loading.entry(*id).or_default().clone())
                    .collect()
            };
            // Locks taken in id order: two requests never wait on each other crosswise.
            let mut guards = Vec::with_capacity(locks.len());
            for lock in &locks {
                guards.push(lock.lock().await);
            }
            // Another request may have read them while this one waited.
            let still: Vec<i64> = self
                .missing(epoch, &missing)
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            if !still.is_empty() {
                let read = super::db::admin::summaries(&state.db, &still).await?;
                self.store(epoch, read);
            }
            drop(guards);
            let mut loading = self.loading();
            for (lock, id) in locks.iter().zip(missing.iter().map(|(id, _)| *id)) {
                // Only this request and the map hold it: nobody waits.
                if Arc::strong_count(lock) <= 2 {
                    loading.remove(&id);
                }
            }
        }
        let cached = self.lock();
        Ok(wanted
            .iter()
            .filter_map(|(id, _)| cached.summaries.get(id).map(|s| (**s).clone()))
            .collect())
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

    fn loading(&self) -> MutexGuard<'_, HashMap<i64, Arc<tokio::sync::Mutex<()>>>> {
        self.inner
            .loading
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
