//! Staff authentication: Argon2id passwords, the staff session (Postgres-backed, its own
//! cookie), login with rate limiting, and the role check every staff server function makes.

use std::net::IpAddr;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use fred::interfaces::KeysInterface;
use http::request::Parts;
use leptos::prelude::use_context;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions::Session;

use super::db;
use super::AppState;
use crate::error::AppError;
use crate::model::staff::{Role, StaffIdentity};

/// The staff session, under its own type so it is never confused with a shopper session.
#[derive(Clone, Debug)]
pub struct StaffSession(pub Session);

/// Session key holding who signed in and when.
const SIGNED_IN_KEY: &str = "staff";
/// Failed logins allowed per username, and per client address, within the window.
const MAX_FAILURES_PER_USER: i64 = 5;
const MAX_FAILURES_PER_IP: i64 = 20;
const FAILURE_WINDOW_SECS: i64 = 15 * 60;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SignedIn {
    staff_id: i64,
    username: String,
    /// Unix seconds; the absolute session lifetime counts from here.
    at: i64,
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
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// What a login attempt came to.
#[derive(Debug)]
pub enum LoginOutcome {
    SignedIn(StaffIdentity),
    /// Wrong username or password, or an inactive account: the same answer for all three.
    Refused,
    /// Too many failures for this username or address recently.
    RateLimited,
}

/// Checks the password and, when it matches, starts a fresh staff session (new id).
pub async fn log_in(
    state: &AppState,
    session: &Session,
    username: &str,
    password: &str,
    client: IpAddr,
) -> Result<LoginOutcome, AppError> {
    let username = username.trim().to_lowercase();
    let user_key = format!(
        "{}login_failures:user:{username}",
        state.config.redis_key_prefix
    );
    let ip_key = format!(
        "{}login_failures:ip:{client}",
        state.config.redis_key_prefix
    );
    let redis_error = |error: fred::error::Error| AppError::internal("login rate limit", error);
    let user_failures: Option<i64> = state.redis.get(&user_key).await.map_err(redis_error)?;
    let ip_failures: Option<i64> = state.redis.get(&ip_key).await.map_err(redis_error)?;
    if user_failures.unwrap_or(0) >= MAX_FAILURES_PER_USER
        || ip_failures.unwrap_or(0) >= MAX_FAILURES_PER_IP
    {
        tracing::warn!(%username, %client, "login refused: rate limited");
        return Ok(LoginOutcome::RateLimited);
    }

    let account = if username.is_empty() || username.len() > 40 {
        None
    } else {
        db::staff::by_username(&state.db, &username).await?
    };
    // Verify against a real hash even for unknown users, so timing does not reveal them.
    let matches = match &account {
        Some(account) => verify_password(password, &account.password_hash),
        None => {
            verify_password(password, DUMMY_HASH);
            false
        }
    };
    match account {
        Some(account) if matches && account.active => {
            let _: i64 = state.redis.del(&user_key).await.map_err(redis_error)?;
            // A new session id at every login: a session id planted before login is useless.
            session
                .cycle_id()
                .await
                .map_err(|error| AppError::internal("rotating the staff session", error))?;
            let signed_in = SignedIn {
                staff_id: account.identity.staff_id,
                username: account.identity.username.clone(),
                at: OffsetDateTime::now_utc().unix_timestamp(),
            };
            session
                .insert(SIGNED_IN_KEY, signed_in)
                .await
                .map_err(|error| AppError::internal("storing the staff session", error))?;
            tracing::info!(username = %account.identity.username, %client, "staff signed in");
            Ok(LoginOutcome::SignedIn(account.identity))
        }
        _ => {
            for key in [&user_key, &ip_key] {
                let _: i64 = state.redis.incr(key).await.map_err(redis_error)?;
                let _: bool = state
                    .redis
                    .expire(
                        key,
                        FAILURE_WINDOW_SECS,
                        Some(fred::types::ExpireOptions::NX),
                    )
                    .await
                    .map_err(redis_error)?;
            }
            tracing::warn!(%username, %client, "staff login refused");
            Ok(LoginOutcome::Refused)
        }
    }
}

/// Ends the staff session: the record is deleted from Postgres and the cookie cleared.
pub async fn log_out(session: &Session) -> Result<(), AppError> {
    session
        .flush()
        .await
        .map_err(|error| AppError::internal("ending the staff session", error))
}

/// Who is signed in on `session`, if anyone (and still allowed to be).
pub async fn signed_in(
    state: &AppState,
    session: &Session,
) -> Result<Option<StaffIdentity>, AppError> {
    let record: Option<SignedIn> = match session.get(SIGNED_IN_KEY).await {
        Ok(record) => record,
        Err(error) => {
            tracing::warn!(%error, "unreadable staff session");
            None
        }
    };
    let Some(record) = record else {
        return Ok(None);
    };
    let age = OffsetDateTime::now_utc().unix_timestamp() - record.at;
    if age > state.config.staff_session_max_age.as_secs() as i64 {
        tracing::info!(username = %record.username, "staff session reached its maximum age");
        log_out(session).await?;
        return Ok(None);
    }
    db::staff::active_by_id(&state.db, record.staff_id)
        .await
        .map_err(AppError::from)
}

/// The staff member making this request, if they hold one of `any_of`.
///
/// Deny by default: no staff session is 401, a session without a listed role is 403, and an
/// empty `any_of` admits nobody. Shopper sessions are a different type and never count.
pub async fn require(any_of: &[Role]) -> Result<StaffIdentity, AppError> {
    let session = use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<StaffSession>().cloned())
        .ok_or(AppError::Unauthenticated)?;
    let state = AppState::current()?;
    let staff = signed_in(&state, &session.0)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if any_of.iter().any(|role| staff.has(*role)) {
        Ok(staff)
    } else {
        Err(AppError::Forbidden)
    }
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
