//! Ends a live socket when the staff session behind it ends.
//!
//! Every `/events/io` connection is watched with its claim: the staff member, the session,
//! and the moment the session ends however active it is. A connection is revoked (no event
//! after that, then a 1008 close) when:
//! - a `staff_activity` notification says the member was deactivated or lost the listener
//!   role, or that the session was logged out (each process re-checks at once);
//! - a periodic sweep finds the session gone or idle-expired in the session store, the member
//!   no longer allowed, or the absolute deadline passed. The sweep also covers notifications
//!   missed while the LISTEN connection was down.
//!
//! An open socket is not activity: a session stays alive through requests (the admin pages'
//! own refetches are requests), not through a socket left open.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use app::api::access::LISTENERS;
use app::server::realtime::StaffNotice;
use app::server::staff::SessionClaim;
use app::server::AppState;
use time::OffsetDateTime;
use tokio::sync::broadcast::error::RecvError;

use super::connection::Connection;

/// How often every watched connection is checked against the session store.
pub const SWEEP_EVERY: Duration = Duration::from_secs(2);

/// The watched connections of this process. Cheap to clone.
#[derive(Clone, Default)]
pub struct AccessWatch {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    next_id: AtomicU64,
    watched: Mutex<HashMap<u64, Watched>>,
    /// Live sockets per staff member, for the per-member cap.
    per_staff: Mutex<HashMap<i64, usize>>,
}

struct Watched {
    claim: SessionClaim,
    connection: Arc<Connection>,
}

impl AccessWatch {
    /// Starts watching: staff notifications from the hub, and the periodic sweep. The task
    /// ends when `shutdown` completes or the hub closes.
    pub fn start(
        state: AppState,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Self {
        let watch = Self::default();
        tokio::spawn(watch.clone().run(state, shutdown));
        watch
    }

    /// Takes one of `staff_id`'s `cap` live-socket places, if one is free; it is given back
    /// when the returned slot is dropped.
    pub fn reserve(&self, staff_id: i64, cap: usize) -> Option<SocketSlot> {
        let mut per_staff = self.per_staff();
        let held = per_staff.entry(staff_id).or_insert(0);
        if *held >= cap {
            return None;
        }
        *held += 1;
        Some(SocketSlot {
            watch: self.clone(),
            staff_id,
        })
    }

    fn per_staff(&self) -> MutexGuard<'_, HashMap<i64, usize>> {
        self.inner
            .per_staff
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Watches `connection` under `claim` until the returned guard is dropped.
    pub fn watch(&self, claim: SessionClaim, connection: Arc<Connection>) -> Watching {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(id, Watched { claim, connection });
        Watching {
            watch: self.clone(),
            id,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Watched>> {
        self.inner
            .watched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    async fn run(self, state: AppState, shutdown: impl std::future::Future<Output = ()>) {
        let mut notices = state.hub.subscribe_staff();
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                notice = notices.recv() => match notice {
                    Ok(notice) => self.apply(&state, notice).await,
                    Err(RecvError::Lagged(_)) => self.sweep(&state).await,
                    Err(RecvError::Closed) => return,
                },
                _ = sweep.tick() => self.sweep(&state).await,
            }
        }
    }

    /// Acts on one staff notification.
    async fn apply(&self, state: &AppState, notice: StaffNotice) {
        match &notice {
            StaffNotice::SessionEnded { session_key } => {
                state.staff_cache.forget_session_key(session_key)
            }
            StaffNotice::Changed { staff_id } => state.staff_cache.forget_staff(*staff_id),
        }
        match notice {
            StaffNotice::SessionEnded { session_key } => {
                self.revoke_where("the session was logged out", |claim| {
                    claim.session_key == session_key
                });
            }
            StaffNotice::Changed { staff_id } => {
                let allowed = match still_allowed(state, &[staff_id]).await {
                    Ok(allowed) => allowed.contains(&staff_id),
                    // The sweep tries again shortly.
                    Err(error) => {
                        return tracing::warn!(%error, "could not re-check a staff member")
                    }
                };
                if !allowed {
                    self.revoke_where("the account was deactivated or lost the role", |claim| {
                        claim.staff.staff_id == staff_id
                    });
                }
            }
        }
    }

    /// Checks every watched connection, and every staff session this process remembers
    /// (`AppState::staff_cache`), against the session store and the staff table: two queries
    /// however many reps there are.
    async fn sweep(&self, state: &AppState) {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        self.revoke_where("the session reached its maximum age", |claim| {
            claim.ends_at <= now
        });
        let remembered = state.staff_cache.claims();
        // Usually far fewer members and sessions than sockets (a rep's tabs share a session).
        let (staff_ids, session_ids): (HashSet<i64>, HashSet<String>) = self
            .lock()
            .values()
            .map(|w| &w.claim)
            .chain(remembered.iter())
            .map(|claim| (claim.staff.staff_id, claim.session_id.clone()))
            .unzip();
        if staff_ids.is_empty() {
            return;
        }
        let staff_ids: Vec<i64> = staff_ids.into_iter().collect();
        let session_ids: Vec<String> = session_ids.into_iter().collect();
        let checked = tokio::try_join!(
            current_roles(state, &staff_ids),
            live_sessions(state, &session_ids)
        );
        match checked {
            Ok((roles, live)) => {
                let roles: HashMap<i64, Vec<String>> = roles.into_iter().collect();
                let live: HashSet<String> = live.into_iter().collect();
                self.revoke_where("the session ended", |claim| {
                    let listener = roles.get(&claim.staff.staff_id).is_some_and(|held| {
                        LISTENERS
                            .iter()
                            .any(|role| held.iter().any(|r| r == role.as_str()))
                    });
                    !listener || !live.contains(&claim.session_id)
                });
                // A remembered session is forgotten when it ended or its member changed: the
                // next request reads it afresh.
                state.staff_cache.forget_where(|claim| {
                    let unchanged = roles.get(&claim.staff.staff_id).is_some_and(|held| {
                        held.len() == claim.staff.roles.len()
                            && claim
                                .staff
                                .roles
                                .iter()
                                .all(|role| held.iter().any(|r| r == role.as_str()))
                    });
                    !unchanged || !live.contains(&claim.session_id)
                });
            }
            // Postgres is unreachable: nothing can be said about sessions, so nothing is
            // revoked on that ground (absolute deadlines above still hold).
            Err(error) => tracing::warn!(%error, "could not sweep live staff sockets"),
        }
    }

    fn revoke_where(&self, why: &str, ended: impl Fn(&SessionClaim) -> bool) {
        let mut watched = self.lock();
        watched.retain(|_, w| {
            if ended(&w.claim) {
                tracing::info!(username = %w.claim.staff.username, why, "closing a live socket");
                w.connection.revoke();
                false
            } else {
                true
            }
        });
    }
}

/// Of `staff_ids`, those still active, with their roles.
async fn current_roles(
    state: &AppState,
    staff_ids: &[i64],
) -> sqlx::Result<Vec<(i64, Vec<String>)>> {
    sqlx::query_as("select staff_id, roles from staff where staff_id = any($1) and active")
        .bind(staff_ids)
        .fetch_all(&state.db)
        .await
}

/// Of `staff_ids`, those still active and holding a role that may listen to events.
async fn still_allowed(state: &AppState, staff_ids: &[i64]) -> sqlx::Result<Vec<i64>> {
    let roles: Vec<&str> = LISTENERS.iter().map(|role| role.as_str()).collect();
    sqlx::query_scalar(
        "select staff_id from staff where staff_id = any($1) and active and roles && $2::text[]",
    )
    .bind(staff_ids)
    .bind(&roles)
    .fetch_all(&state.db)
    .await
}

/// Of `session_ids`, those whose record still exists and has not idled out.
async fn live_sessions(state: &AppState, session_ids: &[String]) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "select id from tower_sessions.staff_session where id = any($1) and expiry_date > now()",
    )
    .bind(session_ids)
    .fetch_all(&state.db)
    .await
}

/// Keeps a connection watched while it lives.
pub struct Watching {
    watch: AccessWatch,
    id: u64,
}

impl Drop for Watching {
    fn drop(&mut self) {
        self.watch.lock().remove(&self.id);
    }
}

/// One of a staff member's live-socket places (see [`AccessWatch::reserve`]).
pub struct SocketSlot {
    watch: AccessWatch,
    staff_id: i64,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut per_staff = self.watch.per_staff();
        if let Some(held) = per_staff.get_mut(&self.staff_id) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                per_staff.remove(&self.staff_id);
            }
        }
    }
}
