//! Staff authentication: Argon2id passwords (checked off the async workers), the staff
//! session (Postgres-backed, its own cookie, extended while in use), login behind the limits
//! of `login_limit`, and the role check every staff server function makes.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use http::request::Parts;
use leptos::prelude::use_context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::sync::Semaphore;
use tower_sessions::Session;

use super::login_limit::{self, LoginClient};
use super::{db, AppState};
use crate::api::access;
use crate::error::AppError;
use crate::model::staff::{Role, StaffIdentity};

/// The staff session, under its own type so it is never confused with a shopper session.
#[derive(Clone, Debug)]
pub struct StaffSession(pub Session);

/// Session key holding who signed in and when.
const SIGNED_IN_KEY: &str = "staff";

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SignedIn {
    staff_id: i64,
    username: String,
    /// Unix seconds; the absolute session lifetime counts from here.
    at: i64,
    /// Unix seconds of the last time the session was saved; it is saved again (which moves
    /// its idle expiry) when a request comes a while after that.
    #[serde(default)]
    seen: i64,
}

/// The staff member a request was made by, once checked: put into the request by the
/// `/admin/api` gate, so the server function does not load the session and roles again.
#[derive(Clone, Debug)]
pub struct CheckedStaff(pub StaffIdentity);

/// Password checks allowed at once: Argon2 takes tens of milliseconds of CPU, and a burst of
/// logins must not take every core from websockets, event streams and pages.
pub fn password_check_slots() -> Arc<Semaphore> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Arc::new(Semaphore::new(cores.max(1)))
}

/// Hashes a password with Argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AppError::internal("hashing a password", error))
}

fn verify_password(password: &str, phc: &str) -> bool {
    if password.len() > 1024 {
        return false;
    }
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checks `password` against `phc` on a blocking thread, at most as many at once as there
/// are password-check slots. The slot travels with the check: a caller that gives up (a
/// dropped request) does not free it while the hash is still being computed. A caller that
/// waits too long for a slot is told to try again rather than queue without end.
async fn check_password(state: &AppState, password: &str, phc: &str) -> Result<bool, AppError> {
    let slot = tokio::time::timeout(
        PASSWORD_CHECK_WAIT,
        state.password_checks.clone().acquire_owned(),
    )
    .await
    .map_err(|_| AppError::RateLimited)?
    .map_err(|error| AppError::internal("waiting for a password check", error))?;
    let (password, phc) = (password.to_string(), phc.to_string());
    tokio::task::spawn_blocking(move || {
        let matches = verify_password(&password, &phc);
        drop(slot);
        matches
    })
    .await
    .map_err(|error| AppError::internal("checking a password", error))
}

/// How long a login waits for a password-check slot before it is refused as busy.
const PASSWORD_CHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// What a login attempt came to.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Signed in; `device_token` marks the browser as trusted (set it as a cookie).
    SignedIn {
        identity: StaffIdentity,
        device_token: Option<String>,
    },
    /// Wrong username or password, or an inactive account: the same answer for all three.
    Refused,
    /// Too many attempts from this client recently.
    RateLimited,
}

/// Counts the attempt, checks the password when the limits allow and, when it matches,
/// starts a fresh staff session (new id).
pub async fn log_in(
    state: &AppState,
    session: &Session,
    username: &str,
    password: &str,
    client: &LoginClient,
) -> Result<LoginOutcome, AppError> {
    let username = username.trim().to_lowercase();
    let shown = login_limit::loggable(&username);
    let attempt = login_limit::admit(state, &username, client).await?;
    if !attempt.admitted {
        metrics::counter!("tandem_login_lockouts_total").increment(1);
        tracing::warn!(username = %shown, client = %client.address, "login refused: rate limited");
        return Ok(LoginOutcome::RateLimited);
    }
    let plausible = !username.is_empty()
        && username.len() <= 40
        && !username.chars().any(char::is_control)
        && password.len() <= 1024;
    let account = if plausible {
        db::staff::by_username(&state.db, &username).await?
    } else {
        None
    };
    // Verify against a real hash even for unknown users, so timing does not reveal them.
    let phc = account
        .as_ref()
        .map_or(DUMMY_HASH, |account| account.password_hash.as_str());
    let matches = check_password(state, password, phc).await? && account.is_some();
    match account {
        Some(account) if matches && account.active => {
            // A new session id at every login: a session id planted before login is useless.
            session
                .cycle_id()
                .await
                .map_err(|error| AppError::internal("rotating the staff session", error))?;
            let now = OffsetDateTime::now_utc().unix_timestamp();
            let signed_in = SignedIn {
                staff_id: account.identity.staff_id,
                username: account.identity.username.clone(),
                at: now,
                seen: now,
            };
            session
                .insert(SIGNED_IN_KEY, signed_in)
                .await
                .map_err(|error| AppError::internal("storing the staff session", error))?;
            let device_token = login_limit::succeeded(state, &username, &attempt).await;
            tracing::info!(username = %account.identity.username, client = %client.address, "staff signed in");
            Ok(LoginOutcome::SignedIn {
                identity: account.identity,
                device_token,
            })
        }
        _ => {
            metrics::counter!("tandem_login_failures_total").increment(1);
            tracing::warn!(username = %shown, client = %client.address, "staff login refused");
            Ok(LoginOutcome::Refused)
        }
    }
}

/// A session's id as announced when it ends: a hash, so the id itself (a bearer secret)
/// never travels beyond the session store.
pub fn session_key(session_id: &str) -> String {
    Sha256::digest(session_id.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Tells every process that a staff session ended, so its live sockets close at once.
async fn announce_session_end(state: &AppState, session: &Session) {
    let Some(id) = session.id() else {
        return;
    };
    let payload =
        serde_json::json!({"op": "session_ended", "session": session_key(&id.to_string())});
    if let Err(error) = sqlx::query("select pg_notify('staff_activity', $1)")
        .bind(payload.to_string())
        .execute(&state.db)
        .await
    {
        // The periodic sweep of live sockets closes them anyway, a little later.
        tracing::warn!(%error, "could not announce the end of a staff session");
    }
}

/// The [`session_key`] of this request's staff session, or "" when it has none.
pub fn current_session_key() -> String {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<StaffSession>().cloned())
        .and_then(|session| session.0.id())
        .map(|id| session_key(&id.to_string()))
        .unwrap_or_default()
}

/// Ends the staff session: the record is deleted from Postgres, the cookie cleared, the
/// session's live sockets closed, and the carts it had open no longer show the member.
pub async fn log_out(state: &AppState, session: &Session) -> Result<(), AppError> {
    let mut signed_out = None;
    if let Some(id) = session.id() {
        state.staff_cache.forget_session(&id.to_string());
        if let Ok(Some(record)) = session.get::<SignedIn>(SIGNED_IN_KEY).await {
            signed_out = Some((record.staff_id, session_key(&id.to_string())));
        }
    }
    announce_session_end(state, session).await;
    session
        .flush()
        .await
        .map_err(|error| AppError::internal("ending the staff session", error))?;
    // Only once the session is gone, so none of its requests can mark the member again.
    if let Some((staff_id, key)) = signed_out {
        super::presence::end_visits(state, staff_id, Some(&key)).await;
    }
    Ok(())
}

/// A live socket's claim on a staff session: what the relay re-checks while it is open.
/// (Its `Debug` leaves out the session id, a bearer secret.)
#[derive(Clone)]
pub struct SessionClaim {
    pub staff: StaffIdentity,
    /// [`session_key`] of the session id.
    pub session_key: String,
    /// The session id as stored, to look the record up.
    pub session_id: String,
    /// Unix seconds at which the session ends however active it is.
    pub ends_at: i64,
}

impl std::fmt::Debug for SessionClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionClaim")
            .field("staff", &self.staff.username)
            .field("session_key", &self.session_key)
            .field("ends_at", &self.ends_at)
            .finish_non_exhaustive()
    }
}

/// Who is signed in on `session`, if anyone (and still allowed to be). A request a while
/// after the last save saves the session again, which moves its idle expiry: idle means no
/// request for the idle timeout (an open websocket alone is not a request).
pub async fn signed_in(
    state: &AppState,
    session: &Session,
) -> Result<Option<StaffIdentity>, AppError> {
    Ok(claim(state, session).await?.map(|claim| claim.staff))
}

/// Like [`signed_in`], with what a live socket needs to be revoked later.
pub async fn claim(state: &AppState, session: &Session) -> Result<Option<SessionClaim>, AppError> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let session_id = session.id().map(|id| id.to_string());
    if let Some(id) = &session_id {
        if let Some((claim, seen)) = state.staff_cache.get(id) {
            let idle = state.config.staff_idle_timeout.as_secs() as i64;
            let fresh = now - seen <= idle && now < claim.ends_at;
            if fresh && now - seen < resave_after(state) {
                return Ok(Some(claim));
            }
            // Expired, or due to be saved again: the full path below does either.
            state.staff_cache.forget_session(id);
        }
    }
    let claim = load_claim(state, session, now).await?;
    if let (Some(id), Some((claim, seen))) = (&session_id, &claim) {
        state.staff_cache.put(id, claim.clone(), *seen);
    }
    Ok(claim.map(|(claim, _)| claim))
}

/// The claim read from the session store and the staff table, with when the session was
/// last saved; saves the session again when it is due.
async fn load_claim(
    state: &AppState,
    session: &Session,
    now: i64,
) -> Result<Option<(SessionClaim, i64)>, AppError> {
    // The session store is Postgres: when it cannot be read, the member is not signed out,
    // the store is unavailable (503, not 401).
    let record: Option<SignedIn> = session.get(SIGNED_IN_KEY).await.map_err(|error| {
        tracing::warn!(%error, "the staff session store is unreachable");
        AppError::Unavailable
    })?;
    let Some(mut record) = record else {
        return Ok(None);
    };
    let max_age = state.config.staff_session_max_age.as_secs() as i64;
    if now - record.at > max_age {
        tracing::info!(username = %record.username, "staff session reached its maximum age");
        log_out(state, session).await?;
        return Ok(None);
    }
    let Some(staff) = db::staff::active_by_id(&state.db, record.staff_id).await? else {
        return Ok(None);
    };
    if now - record.seen >= resave_after(state) {
        record.seen = now;
        if let Err(error) = session.insert(SIGNED_IN_KEY, &record).await {
            tracing::warn!(%error, "could not extend the staff session");
        }
    }
    Ok(Some((
        SessionClaim {
            staff,
            session_key: session
                .id()
                .map(|id| session_key(&id.to_string()))
                .unwrap_or_default(),
            session_id: session.id().map(|id| id.to_string()).unwrap_or_default(),
            ends_at: record.at + max_age,
        },
        record.seen,
    )))
}

/// How long after a save a request saves the session again: a tenth of the idle timeout, at
/// most two minutes, so an active session is written a few times per idle period, not at
/// every request.
fn resave_after(state: &AppState) -> i64 {
    (state.config.staff_idle_timeout.as_secs() as i64 / 10).clamp(1, 120)
}

/// The staff member making this server-function call, if they may call it.
///
/// Deny by default: the function must be in the one list of staff functions
/// (`api::access`); no staff session is 401, a session without one of its roles is 403.
/// Shopper sessions are a different type and never count.
pub async fn authorize(path: &str) -> Result<StaffIdentity, AppError> {
    let Some(allowed) = access::roles_for(path) else {
        tracing::error!(
            path,
            "a staff function that is not in api::access::STAFF_FUNCTIONS"
        );
        return Err(AppError::Forbidden);
    };
    let parts = use_context::<Parts>().ok_or(AppError::Unauthenticated)?;
    let staff = match parts.extensions.get::<CheckedStaff>() {
        Some(checked) => checked.0.clone(),
        None => {
            let session = parts
                .extensions
                .get::<StaffSession>()
                .cloned()
                .ok_or(AppError::Unauthenticated)?;
            let state = AppState::current()?;
            signed_in(&state, &session.0)
                .await?
                .ok_or(AppError::Unauthenticated)?
        }
    };
    if may(&staff, allowed) {
        Ok(staff)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether `staff` holds one of `allowed` (an empty list admits nobody).
pub fn may(staff: &StaffIdentity, allowed: &[Role]) -> bool {
    allowed.iter().any(|role| staff.has(*role))
}

/// An Argon2id hash of a random password nobody knows, for timing-safe refusals.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$H0I1cAj3HyAu0DbYz5gYyW0GzbLh1eB7zc7AFzzvHHo";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("Correct horse", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn the_dummy_hash_is_a_real_argon2id_hash_that_matches_nothing_typed() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("", DUMMY_HASH));
    }
}
