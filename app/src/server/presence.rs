//! Who is looking at a cart right now, kept in Redis with short expiries so a closed tab or
//! a crashed process clears itself. Changes are announced on `cart_activity` (ops
//! `shopper_online`, `shopper_offline`, `rep_viewing`, `rep_left`) so the other side's page
//! updates.

use fred::interfaces::{KeysInterface, LuaInterface};
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

/// Adds or refreshes one rep in a cart's viewing key, atomically: the value holds one line
/// `expiry-ms<TAB>name` per rep, lines past their expiry are dropped, the key lives as long
/// as its newest line. Returns 1 when the rep was not already viewing (news to announce).
/// KEYS[1] the key; ARGV[1] now (ms), ARGV[2] time to live (ms), ARGV[3] the rep's name.
const VIEWING_SCRIPT: &str = r#"
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local kept = {}
local already = false
local current = redis.call('GET', KEYS[1])
if current then
  for expiry, name in string.gmatch(current, '(%d+)\t([^\n]*)') do
    if tonumber(expiry) > now then
      if name == ARGV[3] then
        already = true
      else
        table.insert(kept, expiry .. '\t' .. name)
      end
    end
  end
end
table.insert(kept, string.format('%d', now + ttl) .. '\t' .. ARGV[3])
redis.call('SET', KEYS[1], table.concat(kept, '\n'), 'PX', ttl)
if already then return 0 else return 1 end
"#;

/// Takes one rep out of a cart's viewing key, atomically, keeping the others' lines (and the
/// key's life, as long as its newest remaining line). Returns 1 when the rep was viewing
/// (news to announce). KEYS[1] the key; ARGV[1] now (ms), ARGV[2] the rep's name.
const LEAVING_SCRIPT: &str = r#"
local now = tonumber(ARGV[1])
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local kept = {}
local newest = 0
local was_there = false
for expiry, name in string.gmatch(current, '(%d+)\t([^\n]*)') do
  local until_ms = tonumber(expiry)
  if until_ms > now then
    if name == ARGV[2] then
      was_there = true
    else
      table.insert(kept, expiry .. '\t' .. name)
      if until_ms > newest then newest = until_ms end
    end
  end
end
if #kept == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], table.concat(kept, '\n'), 'PX', newest - now)
end
if was_there then return 1 else return 0 end
"#;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

/// The reps a viewing value names whose mark has not expired at `now_ms`, in the order
/// they came, joined for display ("Ava Rep, Ben Rep"); `None` when nobody.
pub fn viewing_names(value: &str, now_ms: i64) -> Option<String> {
    let names: Vec<&str> = value
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .filter(|(expiry, _)| expiry.parse::<i64>().is_ok_and(|expiry| expiry > now_ms))
        .map(|(_, name)| name)
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// Marks `rep_name` as viewing `cart_id` beside any other rep viewing it (two reps on one
/// call are both shown, neither overwrites the other); announces it when it is news.
pub async fn rep_viewing(state: &AppState, cart_id: i64, rep_name: &str) {
    let news: Result<i64, _> = state
        .redis_health
        .run(state.redis.eval(
            VIEWING_SCRIPT,
            vec![rep_key(state, cart_id)],
            vec![
                now_ms().to_string(),
                (PRESENCE_TTL_SECS * 1000).to_string(),
                name_in_value(rep_name),
            ],
        ))
        .await;
    if matches!(news, Ok(1)) {
        announce(state, cart_id, "rep_viewing").await;
    }
}

/// The rep closed `cart_id`'s page (or moved to another cart): takes them off the cart's
/// viewing key, leaving any other rep on it, and announces it so the shopper's banner and
/// other reps' lists update now rather than when the mark would have run out.
pub async fn rep_left(state: &AppState, cart_id: i64, rep_name: &str) {
    let was_viewing: Result<i64, _> = state
        .redis_health
        .run(state.redis.eval(
            LEAVING_SCRIPT,
            vec![rep_key(state, cart_id)],
            vec![now_ms().to_string(), name_in_value(rep_name)],
        ))
        .await;
    if matches!(was_viewing, Ok(1)) {
        announce(state, cart_id, "rep_left").await;
    }
}

/// A rep's name as a viewing value holds it: the value's separators never come from a name.
fn name_in_value(rep_name: &str) -> String {
    rep_name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
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
    let now = now_ms();
    Ok(cart_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let shopper = values.get(2 * i).cloned().flatten();
            let rep = values
                .get(2 * i + 1)
                .cloned()
                .flatten()
                .and_then(|value| viewing_names(&value, now));
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

/// The reps viewing `cart_id`, if any ("Ava Rep" or "Ava Rep, Ben Rep").
pub async fn viewing_rep(state: &AppState, cart_id: i64) -> Option<String> {
    let value: Option<String> = state
        .redis_health
        .run(state.redis.get(rep_key(state, cart_id)))
        .await
        .ok()
        .flatten();
    viewing_names(&value?, now_ms())
}

#[cfg(test)]
mod tests {
    use super::viewing_names;

    #[test]
    fn every_rep_whose_mark_has_not_expired_is_named_in_the_order_they_came() {
        let value = "2000\tAva Rep\n1000\tCy Gone\n3000\tBen Rep";
        assert_eq!(
            viewing_names(value, 1500).as_deref(),
            Some("Ava Rep, Ben Rep")
        );
        assert_eq!(viewing_names(value, 2500).as_deref(), Some("Ben Rep"));
        assert_eq!(viewing_names(value, 3000), None);
        assert_eq!(viewing_names("", 0), None);
        assert_eq!(viewing_names("garbage", 0), None);
    }
}
