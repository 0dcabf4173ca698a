//! Who is looking at a cart right now, kept in Redis with short expiries so a closed tab or
//! a crashed process clears itself. Changes are announced on `cart_activity` (ops
//! `shopper_online`, `shopper_offline`, `rep_viewing`, `rep_left`) so the other side's page
//! updates. A rep's visits also end, at once, when their staff session ends (signed out) or
//! they may no longer open carts (deactivated, roles taken away): see [`end_visits`].

use fred::interfaces::{KeysInterface, LuaInterface};
use fred::types::Expiration;

use super::AppState;
use crate::model::staff::StaffIdentity;

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

/// The index of a staff member's visits, so they can be ended without knowing the carts:
/// a sorted set of [`VisitEntry`] lines scored by when their mark runs out (ms), so entries
/// whose page went without a word drop out; the key lives as long as the newest mark.
fn visits_key(state: &AppState, staff_id: i64) -> String {
    format!(
        "{}presence:visits:{staff_id}",
        state.config.redis_key_prefix
    )
}

/// One visit in a staff member's index: which session made it, of which cart.
#[derive(Debug, PartialEq)]
struct VisitEntry {
    /// The staff session's [`super::staff::session_key`].
    session: String,
    cart_id: i64,
    /// The visit as [`new_visit`] made it.
    visit: String,
}

impl VisitEntry {
    fn line(&self) -> String {
        format!("{} {} {}", self.session, self.cart_id, self.visit)
    }

    fn read(line: &str) -> Option<Self> {
        let mut fields = line.split(' ');
        let entry = VisitEntry {
            session: fields.next()?.to_string(),
            cart_id: fields.next()?.parse().ok()?,
            visit: fields.next()?.to_string(),
        };
        fields.next().is_none().then_some(entry)
    }
}

/// A rep's visit of a cart's page, as a request of that page names it.
pub struct RepVisit<'a> {
    staff: &'a StaffIdentity,
    entry: VisitEntry,
}

impl<'a> RepVisit<'a> {
    /// `staff`'s visit `visit` (as [`read_visit`] gives it) of `cart_id`, made in this
    /// request's staff session: signing out ends the visits of that session only.
    pub fn in_this_session(staff: &'a StaffIdentity, cart_id: i64, visit: &str) -> Self {
        let session = super::staff::current_session_key();
        if session.is_empty() {
            tracing::warn!(
                staff_id = staff.staff_id,
                "a rep's visit outside a staff session: signing out will not end it"
            );
        }
        RepVisit {
            staff,
            entry: VisitEntry {
                session,
                cart_id,
                visit: visit.to_string(),
            },
        }
    }
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

/// A cart's viewing key holds one line per visit (one rep's page of that cart, from its first
/// load to its last word): `expiry-ms<TAB>visit<TAB>name`. A visit, not a name, is what comes
/// and goes: a rep who reloads the page or has it open in two tabs has two visits, and two
/// staff members with the same display name never take each other off. A visit that left is
/// kept as a line with no name until its expiry, so a request of that visit still on its way
/// (a refetch, a refresh) cannot mark the rep again after they left. A visit is the staff
/// member's id and a random token ([`new_visit`]).
///
/// Below: the lines of a viewing value still current at `now`, as `{e = expiry, v = visit, n = name}`,
/// the visit `skip` left out; shared by both scripts.
const READ_LINES: &str = r#"
local function read_lines(current, now, skip)
  local lines = {}
  if current then
    for expiry, visit, name in string.gmatch(current, '(%d+)\t([^\t\n]*)\t([^\n]*)') do
      local until_ms = tonumber(expiry)
      if until_ms > now and visit ~= skip then
        table.insert(lines, {e = until_ms, v = visit, n = name})
      end
    end
  end
  return lines
end
-- Writes the lines back in the order they came, the newest MAX_VISITS only (a key cannot grow
-- without end), and lets the key live as long as its newest line.
local function write_lines(key, lines, now)
  while #lines > MAX_VISITS do
    local oldest = 1
    for i, line in ipairs(lines) do
      if line.e < lines[oldest].e then oldest = i end
    end
    table.remove(lines, oldest)
  end
  local newest = now
  local out = {}
  for _, line in ipairs(lines) do
    if line.e > newest then newest = line.e end
    table.insert(out, string.format('%d', line.e) .. '\t' .. line.v .. '\t' .. line.n)
  end
  redis.call('SET', key, table.concat(out, '\n'), 'PX', newest - now)
end
"#;

/// Adds or refreshes a visit, atomically, and lists it in the staff member's index. Returns 1
/// when the rep's name was not shown before (news to announce). KEYS and ARGV as
/// [`run_script`] passes them, ARGV[5] the rep's name. See [`READ_LINES`] for what a line is.
const VIEWING_SCRIPT: &str = r#"
local now = tonumber(ARGV[1])
local current = redis.call('GET', KEYS[1])
local shown_before = false
for _, line in ipairs(read_lines(current, now, nil)) do
  if line.v == ARGV[3] and line.n == '' then return 0 end
  if line.n == ARGV[5] then shown_before = true end
end
local lines = read_lines(current, now, ARGV[3])
table.insert(lines, {e = now + tonumber(ARGV[2]), v = ARGV[3], n = ARGV[5]})
write_lines(KEYS[1], lines, now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[4])
local excess = redis.call('ZCARD', KEYS[2]) - MAX_INDEXED
if excess > 0 then redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1) end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if shown_before then return 0 else return 1 end
"#;

/// Ends a visit, atomically: its line becomes one with no name, and it leaves the staff
/// member's index. Returns 1 when that took the rep's name off the cart (news to announce).
/// KEYS and ARGV as [`run_script`] passes them.
const LEAVING_SCRIPT: &str = r#"
redis.call('ZREM', KEYS[2], ARGV[4])
local now = tonumber(ARGV[1])
local current = redis.call('GET', KEYS[1])
local leaving = nil
for _, line in ipairs(read_lines(current, now, nil)) do
  if line.v == ARGV[3] and line.n ~= '' then leaving = line.n end
end
local lines = read_lines(current, now, ARGV[3])
table.insert(lines, {e = now + tonumber(ARGV[2]), v = ARGV[3], n = ''})
write_lines(KEYS[1], lines, now)
if leaving == nil then return 0 end
for _, line in ipairs(lines) do
  if line.n == leaving then return 0 end
end
return 1
"#;

/// The entries of a staff member's index whose marks have not run out. KEYS[1] the index;
/// ARGV[1] now (ms).
const CURRENT_ENTRIES_SCRIPT: &str =
    "return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')";

/// Visits kept per cart at most, the newest (ended ones included).
const MAX_VISITS: usize = 64;

/// Current visits listed in one staff member's index at most: past it, the ones whose marks
/// run out first leave the index (they are still shown, and run out on their own when the
/// session ends).
const MAX_INDEXED: usize = 512;

/// A presence script with its shared functions in front.
fn script(body: &str) -> String {
    format!(
        "local MAX_VISITS = {MAX_VISITS}\nlocal MAX_INDEXED = {MAX_INDEXED}\n{READ_LINES}\n{body}"
    )
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

/// The reps a viewing value names whose visit has not expired or ended at `now_ms`, in the
/// order they came, each once, joined for display ("Ava Rep, Ben Rep"); `None` when nobody.
pub fn viewing_names(value: &str, now_ms: i64) -> Option<String> {
    let mut names: Vec<&str> = Vec::new();
    for line in value.lines() {
        let mut fields = line.splitn(3, '\t');
        let (Some(expiry), Some(_visit), Some(name)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let current = expiry.parse::<i64>().is_ok_and(|expiry| expiry > now_ms);
        if current && !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    (!names.is_empty()).then(|| names.join(", "))
}

/// A new visit of a cart's page (see [`VIEWING_SCRIPT`]): random, so only the page that was
/// given it knows it.
pub fn new_visit() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A visit as a page sends it back: the form of one [`new_visit`] makes, or refused.
pub fn read_visit(visit: &str) -> Result<String, crate::error::AppError> {
    uuid::Uuid::try_parse(visit)
        .map(|visit| visit.simple().to_string())
        .map_err(|_| crate::error::AppError::Invalid("That page visit is not one of ours.".into()))
}

/// A visit as the viewing value holds it: the staff member's own, so nobody else's token
/// ends or takes over their visit.
fn visit_of(staff_id: i64, visit: &str) -> String {
    format!("{staff_id}.{visit}")
}

/// Marks the rep as viewing the cart in `visit`, beside any other visit (two reps on one call
/// are both shown, neither overwrites the other); announces it when it is news. Does nothing
/// for a visit that already ended.
pub async fn rep_viewing(state: &AppState, visit: &RepVisit<'_>) {
    let name = name_in_value(&visit.staff.display_name);
    let news = run_script(
        state,
        VIEWING_SCRIPT,
        visit.staff.staff_id,
        &visit.entry,
        &[name],
    )
    .await;
    if news {
        announce(state, visit.entry.cart_id, "rep_viewing").await;
    }
}

/// The rep's page of the cart went away (closed, reloaded, moved to another cart or page):
/// ends its visit, leaving every other visit on the cart, and announces it when that took the
/// rep's name off, so the shopper's banner and other reps' lists update now rather than when
/// the mark would have run out.
pub async fn rep_left(state: &AppState, visit: &RepVisit<'_>) {
    end_visit(state, visit.staff.staff_id, &visit.entry).await;
}

async fn end_visit(state: &AppState, staff_id: i64, entry: &VisitEntry) {
    if run_script(state, LEAVING_SCRIPT, staff_id, entry, &[]).await {
        announce(state, entry.cart_id, "rep_left").await;
    }
}

/// Runs a presence script on `entry` of staff member `staff_id`; whether it said there is
/// news. KEYS[1] the cart's viewing key, KEYS[2] the member's index; ARGV[1] now (ms),
/// ARGV[2] time to live (ms), ARGV[3] the visit as the viewing value holds it, ARGV[4] the
/// index entry, then `more`.
async fn run_script(
    state: &AppState,
    body: &str,
    staff_id: i64,
    entry: &VisitEntry,
    more: &[String],
) -> bool {
    let mut args = vec![
        now_ms().to_string(),
        (PRESENCE_TTL_SECS * 1000).to_string(),
        visit_of(staff_id, &entry.visit),
        entry.line(),
    ];
    args.extend_from_slice(more);
    let news: Result<i64, _> = state
        .redis_health
        .run(state.redis.eval(
            script(body),
            vec![rep_key(state, entry.cart_id), visits_key(state, staff_id)],
            args,
        ))
        .await;
    matches!(news, Ok(1))
}

/// Ends the visits of staff member `staff_id` made in staff session `session` (its
/// [`super::staff::session_key`]; every session with `None`), announcing each cart the member
/// is no longer shown on: called when a session ends, an account is deactivated or loses the
/// roles that open carts. Never fails the caller: a visit it cannot end runs out on its own.
pub async fn end_visits(state: &AppState, staff_id: i64, session: Option<&str>) {
    let listed: Result<Vec<String>, _> = state
        .redis_health
        .run(state.redis.eval(
            CURRENT_ENTRIES_SCRIPT,
            vec![visits_key(state, staff_id)],
            vec![now_ms().to_string()],
        ))
        .await;
    let Ok(listed) = listed else {
        tracing::warn!(
            staff_id,
            "could not read a staff member's visits to end them"
        );
        return;
    };
    for entry in listed.iter().filter_map(|line| VisitEntry::read(line)) {
        if session.is_none_or(|session| session == entry.session.as_str()) {
            end_visit(state, staff_id, &entry).await;
        }
    }
}

/// A rep's name as a viewing value holds it: the value's separators never come from a name,
/// and a name is never empty (an empty one marks a visit that ended).
fn name_in_value(rep_name: &str) -> String {
    let name: String = rep_name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if name.trim().is_empty() {
        "(no name)".into()
    } else {
        name
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
    use super::{viewing_names, VisitEntry};

    #[test]
    fn a_visit_entry_reads_back_as_written_and_nothing_else_reads_as_one() {
        let entry = VisitEntry {
            session: "00ff".into(),
            cart_id: 42,
            visit: "abc".into(),
        };
        assert_eq!(VisitEntry::read(&entry.line()), Some(entry));
        for odd in ["", "00ff 42", "00ff x abc", "00ff 42 abc extra"] {
            assert_eq!(VisitEntry::read(odd), None, "{odd:?}");
        }
    }

    #[test]
    fn every_rep_with_a_visit_not_expired_or_ended_is_named_once_in_the_order_they_came() {
        let value = "2000\tv1\tAva Rep\n1000\tv2\tCy Gone\n3000\tv3\tBen Rep\n3000\tv4\tAva Rep\n3000\tv5\t";
        assert_eq!(
            viewing_names(value, 1500).as_deref(),
            Some("Ava Rep, Ben Rep")
        );
        assert_eq!(
            viewing_names(value, 2500).as_deref(),
            Some("Ben Rep, Ava Rep")
        );
        assert_eq!(viewing_names(value, 3000), None);
        assert_eq!(viewing_names("", 0), None);
        assert_eq!(viewing_names("garbage", 0), None);
    }
}
