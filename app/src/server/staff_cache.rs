//! Who each staff session belongs to, remembered in the process, so a busy rep's requests
//! (the live pages refetch on every change) cost no database work to authorise: without it
//! each one loads the session record and the member's roles.
//!
//! The rules still hold: an entry is dropped at once when the session is logged out or the
//! member is deactivated or changes roles (by the same revocation notices that close live
//! sockets, and directly by the server functions that make those changes); the access sweep
//! (every 2 s, two queries for all entries together) drops entries whose session is gone or
//! whose member changed, which covers notices missed while the LISTEN connection was down
//! and sessions deleted behind the application's back; idle and absolute expiry are checked
//! against the remembered times at every request, and the session is read (and saved) again
//! when it is due to be kept alive. An entry is trusted for [`FRESH_FOR`] at most.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::staff::SessionClaim;

/// How long an entry is trusted without asking the database again.
pub const FRESH_FOR: Duration = Duration::from_secs(600);
/// Entries at most; past that the cache starts afresh (it refills from the next requests).
const MAX_ENTRIES: usize = 50_000;

/// The cache. Cheap to clone.
#[derive(Clone, Default)]
pub struct StaffCache {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: Mutex<HashMap<String, Entry>>,
    hits: AtomicU64,
}

struct Entry {
    claim: SessionClaim,
    /// Unix seconds the session was last saved (its idle expiry counts from here).
    seen: i64,
    fetched: Instant,
}

impl StaffCache {
    /// The claim remembered for `session_id` and when the session was last saved, if fresh.
    pub fn get(&self, session_id: &str) -> Option<(SessionClaim, i64)> {
        let entries = self.lock();
        let entry = entries.get(session_id)?;
        if entry.fetched.elapsed() > FRESH_FOR {
            return None;
        }
        self.inner.hits.fetch_add(1, Ordering::Relaxed);
        Some((entry.claim.clone(), entry.seen))
    }

    /// Remembers `claim` for `session_id`, saved last at `seen`.
    pub fn put(&self, session_id: &str, claim: SessionClaim, seen: i64) {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            session_id.to_string(),
            Entry {
                claim,
                seen,
                fetched: Instant::now(),
            },
        );
    }

    /// Forgets the session with this id (logout, expiry).
    pub fn forget_session(&self, session_id: &str) {
        self.lock().remove(session_id);
    }

    /// Forgets the session whose key (`staff::session_key`) is `key` (a logout elsewhere).
    pub fn forget_session_key(&self, key: &str) {
        self.lock()
            .retain(|_, entry| entry.claim.session_key != key);
    }

    /// Forgets every session of `staff_id` (deactivated, roles changed).
    pub fn forget_staff(&self, staff_id: i64) {
        self.lock()
            .retain(|_, entry| entry.claim.staff.staff_id != staff_id);
    }

    /// Every remembered claim (for the access sweep, which checks them all at once).
    pub fn claims(&self) -> Vec<SessionClaim> {
        self.lock()
            .values()
            .map(|entry| entry.claim.clone())
            .collect()
    }

    /// Forgets every entry whose claim is `stale`.
    pub fn forget_where(&self, stale: impl Fn(&SessionClaim) -> bool) {
        self.lock().retain(|_, entry| !stale(&entry.claim));
    }

    /// Requests answered from the cache so far (for tests and the curious).
    pub fn hits(&self) -> u64 {
        self.inner.hits.load(Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.inner
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
