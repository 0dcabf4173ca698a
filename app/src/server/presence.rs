//! Who is looking at a cart right now, kept in Redis with short expiries so a closed tab or
//! a crashed process clears itself. Changes are announced on `cart_activity` (ops
//! `shopper_online`, `shopper_offline`, `rep_viewing`) so the other side's page updates.

use fred::interfaces::KeysInterface;
use fred::types::Expiration;

use super::AppState;

/// How long a mark lasts without being refreshed.
pub const PRESENCE_TTL_SECS: i64 = 45;

fn shopper_key(state: &AppState, cart_id: i64) -> String {
    format!(
        "{}presence:shopper:{cart_id}",
        state.config.redis_key_prefix
    )
}

fn rep_key(state: &AppState, cart_id: i64) -> String {
    format!("{}presence:rep:{cart_id}", state.config.redis_key_prefix)
}

/// Tells listeners about a presence change of `cart_id` (never fails the caller).
async fn announce(state: &AppState, cart_id: i64, op: &str) {
    let result = sqlx::query(
        "select pg_notify('cart_activity', json_build_object('cart_id', cart_id, 'op', $2::text, 'version', version)::text)
         from cart where cart_id = $1",
    )
    .bind(cart_id)
    .bind(op)
    .execute(&state.db)
    .await;
    if let Err(error) = result {
        tracing::warn!(%error, cart_id, op, "could not announce presence");
    }
}

/// Marks the shopper of `cart_id` as on the site (refreshing the mark); announces arrival.
pub async fn shopper_here(state: &AppState, cart_id: i64) {
    let previous: Result<Option<String>, _> = state
        .redis_health
        .run(state.redis.set(
            shopper_key(state, cart_id),
            "1",
            Some(Expiration::EX(PRESENCE_TTL_SECS)),
            None,
            true,
        ))
        .await;
    if matches!(previous, Ok(None)) {
        announce(state, cart_id, "shopper_online").await;
    }
}

/// The shopper's live page closed.
pub async fn shopper_left(state: &AppState, cart_id: i64) {
    let removed: Result<i64, _> = state
        .redis_health
        .run(state.redis.del(shopper_key(state, cart_id)))
        .await;
    if matches!(removed, Ok(1)) {
        announce(state, cart_id, "shopper_offline").await;
    }
}

/// Whether the shopper of `cart_id` has a live page open.
pub async fn shopper_online(state: &AppState, cart_id: i64) -> bool {
    state
        .redis_health
        .run(state.redis.exists::<i64, _>(shopper_key(state, cart_id)))
        .await
        .unwrap_or(0)
        > 0
}

/// Marks `rep_name` as viewing `cart_id`; announces it when it is news.
pub async fn rep_viewing(state: &AppState, cart_id: i64, rep_name: &str) {
    let previous: Result<Option<String>, _> = state
        .redis_health
        .run(state.redis.set(
            rep_key(state, cart_id),
            rep_name,
            Some(Expiration::EX(PRESENCE_TTL_SECS)),
            None,
            true,
        ))
        .await;
    if matches!(&previous, Ok(p) if p.as_deref() != Some(rep_name)) {
        announce(state, cart_id, "rep_viewing").await;
    }
}

/// Who is with each of `cart_ids` (one Redis round trip); `Unavailable` when Redis cannot
/// say, so the rep sees "unknown" rather than a confident "nobody".
pub async fn of_carts(
    state: &AppState,
    cart_ids: &[i64],
) -> Result<Vec<(i64, crate::model::admin::CartPresence)>, crate::error::AppError> {
    use crate::error::AppError;
    use crate::model::admin::CartPresence;
    if cart_ids.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = cart_ids
        .iter()
        .flat_map(|id| [shopper_key(state, *id), rep_key(state, *id)])
        .collect();
    let values: Vec<Option<String>> = state
        .redis_health
        .run(state.redis.mget(keys))
        .await
        .map_err(|_| AppError::Unavailable)?;
    Ok(cart_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let shopper = values.get(2 * i).cloned().flatten();
            let rep = values.get(2 * i + 1).cloned().flatten();
            (
                *id,
                CartPresence {
                    shopper_online: shopper.is_some(),
                    rep_viewing: rep,
                },
            )
        })
        .collect())
}

/// The rep viewing `cart_id`, if any.
pub async fn viewing_rep(state: &AppState, cart_id: i64) -> Option<String> {
    state
        .redis_health
        .run(state.redis.get(rep_key(state, cart_id)))
        .await
        .ok()
        .flatten()
}
