//! How many times a browser may try to sign in (the policy is in the README's Staff section).
//!
//! Every attempt is counted in Redis, atomically and *before* the password is checked, so
//! forty parallel guesses cannot all slip past a limit of five. Attempts are counted per
//! username *and* client, where the client is the browser's trusted-device cookie (set at a
//! successful sign-in) or else its network (the IPv4 address, or the IPv6 /64). So a
//! stranger guessing Ava's password locks only themselves out, and a call centre behind one
//! NAT address is not locked out by one bad shift: browsers that have signed in before skip
//! the per-address limit, which only slows down browsers the site has never seen.

use std::net::IpAddr;

use fred::interfaces::{KeysInterface, LuaInterface};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::AppState;
use crate::error::AppError;

/// Attempts per username and client before that pair is locked.
pub const ATTEMPTS_PER_CLIENT: i64 = 5;
/// Attempts per network from browsers without a trusted-device cookie.
pub const ATTEMPTS_PER_NETWORK: i64 = 100;
/// Attempts per username from browsers without a trusted-device cookie, whatever their
/// network: a botnet or a large IPv6 block gets no more guesses than this at one account,
/// while the staff member's own trusted browser is never held back by it.
pub const ATTEMPTS_PER_USERNAME: i64 = 50;
/// Attempts are counted over this window, from the first.
pub const WINDOW_SECS: i64 = 15 * 60;
/// A pair that reaches the limit is locked this long, doubling with each lock in a day...
pub const FIRST_LOCK_SECS: i64 = 5 * 60;
/// ...up to this.
pub const LONGEST_LOCK_SECS: i64 = 60 * 60;
/// How long a browser stays trusted after a successful sign-in.
pub const DEVICE_TRUST_SECS: i64 = 90 * 24 * 60 * 60;
/// The cookie naming a trusted browser; sent only to the login form.
pub const DEVICE_COOKIE: &str = "tandem_device";

/// Counts the attempt and decides, in one step on the Redis server.
///
/// KEYS: attempts of this username from this client, lock strikes of that pair, attempts
/// from the network, attempts at the username from untrusted browsers. ARGV: window,
/// per-client limit, per-network limit, per-username limit, trusted (1/0), first lock,
/// longest lock. Returns 0 (go ahead), 1 (pair locked) or 2 (network or username slowed
/// down). The shared limits are checked first, so a flood from the network does not add
/// lock strikes to a staff member's own pair.
const ADMIT_SCRIPT: &str = r"
local window = tonumber(ARGV[1])
local function count(key)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, window) end
  return n
end
if ARGV[5] == '0' then
  if count(KEYS[3]) > tonumber(ARGV[3]) then return 2 end
  if count(KEYS[4]) > tonumber(ARGV[4]) then return 2 end
end
local attempts = count(KEYS[1])
local limit = tonumber(ARGV[2])
if attempts > limit then
  if attempts == limit + 1 then
    local strikes = redis.call('INCR', KEYS[2])
    redis.call('EXPIRE', KEYS[2], 86400)
    redis.call('EXPIRE', KEYS[1], math.min(tonumber(ARGV[6]) * 2 ^ (strikes - 1), tonumber(ARGV[7])))
  end
  return 1
end
return 0
";

/// After a success: the pair starts afresh, and the attempt no longer counts against the
/// shared limits (only where their keys still exist, so none is left without an expiry).
/// KEYS: the pair, its strikes, the network, the username. ARGV: trusted (1/0).
const SUCCEEDED_SCRIPT: &str = r"
redis.call('DEL', KEYS[1], KEYS[2])
if ARGV[1] == '0' then
  for i = 3, 4 do
    if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('DECR', KEYS[i]) end
  end
end
return 0
";

/// Who is trying to sign in, as far as limits go.
pub struct LoginClient {
    pub address: IpAddr,
    /// The trusted-device cookie the browser sent, if any.
    pub device_token: Option<String>,
}

/// The limiter's verdict on one attempt.
pub struct Attempt {
    keys: Keys,
    trusted: bool,
    pub admitted: bool,
}

struct Keys {
    pair: String,
    strikes: String,
    network: String,
    username: String,
}

impl Keys {
    fn all(&self) -> Vec<String> {
        vec![
            self.pair.clone(),
            self.strikes.clone(),
            self.network.clone(),
            self.username.clone(),
        ]
    }
}

/// Counts an attempt by `username` from `client` and says whether its password may be checked.
pub async fn admit(
    state: &AppState,
    username: &str,
    client: &LoginClient,
) -> Result<Attempt, AppError> {
    let prefix = &state.config.redis_key_prefix;
    let user = key_part(username);
    let trusted = match &client.device_token {
        Some(token) => trusted_for(state, token).await? == Some(user.clone()),
        None => false,
    };
    let who = if trusted {
        format!(
            "device:{}",
            device_key(client.device_token.as_deref().unwrap_or_default())
        )
    } else {
        format!("net:{}", network(client.address))
    };
    let keys = Keys {
        pair: format!("{prefix}login:attempts:{user}:{who}"),
        strikes: format!("{prefix}login:strikes:{user}:{who}"),
        network: format!("{prefix}login:network:{}", network(client.address)),
        username: format!("{prefix}login:username:{user}"),
    };
    let verdict: i64 = state
        .redis_health
        .run(state.redis.eval(
            ADMIT_SCRIPT,
            keys.all(),
            vec![
                WINDOW_SECS.to_string(),
                ATTEMPTS_PER_CLIENT.to_string(),
                ATTEMPTS_PER_NETWORK.to_string(),
                ATTEMPTS_PER_USERNAME.to_string(),
                if trusted { "1" } else { "0" }.to_string(),
                FIRST_LOCK_SECS.to_string(),
                LONGEST_LOCK_SECS.to_string(),
            ],
        ))
        .await
        .map_err(|error| AppError::internal("counting a login attempt", error))?;
    Ok(Attempt {
        keys,
        trusted,
        admitted: verdict == 0,
    })
}

/// After a successful sign-in: the pair starts counting afresh, the attempt no longer counts
/// against the network, and the browser is trusted from now on. Returns the new trusted-device
/// token to set as a cookie.
pub async fn succeeded(state: &AppState, username: &str, attempt: &Attempt) -> Option<String> {
    let redis = &state.redis;
    let mut token_bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut token_bytes);
    let token: String = token_bytes.iter().map(|b| format!("{b:02x}")).collect();
    let device = format!(
        "{}login:device:{}",
        state.config.redis_key_prefix,
        device_key(&token)
    );
    let result: Result<(), fred::error::Error> = async {
        let _: i64 = redis
            .eval(
                SUCCEEDED_SCRIPT,
                attempt.keys.all(),
                vec![if attempt.trusted { "1" } else { "0" }],
            )
            .await?;
        let _: () = redis
            .set(
                &device,
                key_part(username),
                Some(fred::types::Expiration::EX(DEVICE_TRUST_SECS)),
                None,
                false,
            )
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Some(token),
        Err(error) => {
            // Signing in still works; only the counters and the device trust are lost.
            tracing::warn!(%error, "could not record a successful sign-in");
            None
        }
    }
}

/// The username a trusted-device token was issued to.
async fn trusted_for(state: &AppState, token: &str) -> Result<Option<String>, AppError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let key = format!(
        "{}login:device:{}",
        state.config.redis_key_prefix,
        device_key(token)
    );
    state
        .redis
        .get(key)
        .await
        .map_err(|error| AppError::internal("reading a trusted device", error))
}

/// Only the token's hash is stored: a Redis dump hands out no trusted devices.
fn device_key(token: &str) -> String {
    Sha256::digest(token.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The client's network: an IPv4 address, or the /64 of an IPv6 one (one subscriber's
/// share, which they can rotate through at will).
pub fn network(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// A username as it may appear in a key: what could be a real username, else one shared
/// placeholder (so odd input cannot make keys of any size or shape).
fn key_part(username: &str) -> String {
    let valid = (2..=40).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if valid {
        username.to_string()
    } else {
        "?invalid".to_string()
    }
}

/// A username as it may appear in a log line: at most 40 characters, control characters
/// escaped.
pub fn loggable(username: &str) -> String {
    let shown: String = username.chars().take(40).collect();
    let mut escaped: String = shown.escape_debug().collect();
    if username.chars().count() > 40 {
        escaped.push('…');
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_grouped_by_their_slash_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(network(a), network(b));
        assert_ne!(network(a), network(c));
        assert_eq!(network("10.0.0.1".parse().unwrap()), "10.0.0.1");
        assert_eq!(network("::ffff:10.0.0.1".parse().unwrap()), "10.0.0.1");
    }

    #[test]
    fn logged_usernames_are_short_and_escaped() {
        assert_eq!(loggable("ava"), "ava");
        assert_eq!(loggable("a\r\nb"), "a\\r\\nb");
        let long = "x".repeat(5000);
        assert_eq!(loggable(&long).chars().count(), 41);
    }

    #[test]
    fn odd_usernames_share_one_key() {
        assert_eq!(key_part("ava"), "ava");
        assert_eq!(key_part("a:b"), "?invalid");
        assert_eq!(key_part(&"x".repeat(41)), "?invalid");
    }
}
