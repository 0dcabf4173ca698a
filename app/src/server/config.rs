//! Configuration from the environment, with defaults that work on a developer machine.
//! `.env.example` at the repository root documents every variable.

use std::env;
use std::net::IpAddr;
use std::time::Duration;

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Settings the server reads once at start.
#[derive(Clone, Debug)]
pub struct Config {
    /// Postgres; the database is created at start if it does not exist.
    pub database_url: String,
    /// Redis, holding shopper sessions and presence.
    pub redis_url: String,
    /// Prepended to every Redis key, so several deployments (or tests) can share one Redis.
    pub redis_key_prefix: String,
    /// The origin browsers use to reach the site (`https://shop.example.com`). Used for the
    /// CSRF origin check; an `https` origin also marks cookies `Secure`.
    pub public_origin: Option<String>,
    /// Load the demo catalog and demo staff accounts when the database is empty. Only when
    /// asked for (`APP_SEED_DEMO=true`, as `scripts/dev.sh` does); never by default.
    pub seed_demo: bool,
    /// The largest discount, in percent, a sales rep may give without a discount manager.
    pub rep_discount_cap_percent: u32,
    pub log_format: LogFormat,
    /// `development` or `production`; production refuses demo staff passwords.
    pub app_env: String,
    /// A staff session ends after this long without a request.
    pub staff_idle_timeout: Duration,
    /// A staff session ends this long after login, however active.
    pub staff_session_max_age: Duration,
    /// How often `/events/io` pings an idle client; one that has not answered a ping by the
    /// next one is dropped as dead.
    pub ws_ping_every: Duration,
    /// Threads writing live events to the `/events/io` connections (`APP_WS_FANOUT_THREADS`,
    /// default one per core); each serves its share of the connections.
    pub ws_fanout_threads: usize,
    /// Reverse proxies whose `X-Real-IP` names the client (`APP_TRUSTED_PROXIES`, addresses or
    /// CIDR blocks, comma-separated; loopback is always trusted). Behind a load balancer on
    /// another host, list it here, or every client looks like the balancer to the login limits.
    pub trusted_proxies: Vec<IpBlock>,
    /// How long a client may take to send a request's headers (`APP_HEADER_READ_TIMEOUT_SECS`).
    pub header_read_timeout: Duration,
    /// Open connections at most, websockets and event streams included
    /// (`APP_MAX_CONNECTIONS`); more wait in the listen backlog.
    pub max_connections: usize,
    /// The largest request body accepted (`APP_MAX_BODY_BYTES`); bigger ones get 413.
    pub max_body_bytes: usize,
    /// Live websockets one staff member may hold open at once (`APP_WS_MAX_PER_STAFF`).
    pub ws_max_per_staff: usize,
    /// How long a client may keep a fragmented websocket message open (`APP_WS_FRAGMENT_SECS`).
    pub ws_fragment_timeout: Duration,
    /// How long requests in flight may take to finish after SIGTERM (`APP_SHUTDOWN_GRACE_SECS`).
    pub shutdown_grace: Duration,
    /// Where Prometheus metrics are served (`APP_METRICS_ADDR`); off when unset.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Orders left awaiting payment this many days are cancelled and their stock put back
    /// (`APP_ORDER_EXPIRE_DAYS`).
    pub order_expire_days: u32,
    /// Carts without activity this many days are closed (`APP_CART_ABANDON_DAYS`).
    pub cart_abandon_days: u32,
    /// The phone number shoppers call for help (`APP_STORE_PHONE`), shown by the help code.
    pub store_phone: String,
    /// When the phone is answered (`APP_STORE_HOURS`), shown beside the number.
    pub store_hours: String,
}

/// An address block: an address and how many leading bits must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpBlock {
    pub address: IpAddr,
    pub prefix: u8,
}

impl IpBlock {
    /// Reads `10.0.0.0/8`, `2001:db8::/32` or a single address.
    pub fn parse(text: &str) -> Option<Self> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
            None => (text.trim(), None),
        };
        let address: IpAddr = address.parse().ok()?;
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Self { address, prefix })
    }

    /// Whether `ip` is in the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let mask = |bits: u32, width: u32| -> u128 {
            if bits == 0 {
                0
            } else {
                (u128::MAX << (width - bits)) & (u128::MAX >> (128 - width))
            }
        };
        match (self.address, ip) {
            (IpAddr::V4(block), IpAddr::V4(ip)) => {
                let m = mask(u32::from(self.prefix), 32);
                u128::from(u32::from(block)) & m == u128::from(u32::from(ip)) & m
            }
            (IpAddr::V6(block), IpAddr::V6(ip)) => {
                let m = mask(u32::from(self.prefix), 128);
                u128::from(block) & m == u128::from(ip) & m
            }
            _ => false,
        }
    }
}

/// A variable that is set but cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name} is invalid: {reason}")]
pub struct ConfigError {
    name: &'static str,
    reason: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can supply their own values.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let text = |name: &str, default: &str| lookup(name).unwrap_or_else(|| default.to_string());
        let public_origin = lookup("APP_PUBLIC_ORIGIN")
            .map(|origin| origin.trim_end_matches('/').to_string())
            .filter(|origin| !origin.is_empty());
        if let Some(origin) = &public_origin {
            if !(origin.starts_with("http://") || origin.starts_with("https://")) {
                return Err(ConfigError {
                    name: "APP_PUBLIC_ORIGIN",
                    reason: format!("'{origin}' must start with http:// or https://"),
                });
            }
        }
        let rep_discount_cap_percent = match lookup("APP_REP_DISCOUNT_CAP_PERCENT") {
            None => 15,
            Some(value) => value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|percent| *percent <= 100)
                .ok_or(ConfigError {
                    name: "APP_REP_DISCOUNT_CAP_PERCENT",
                    reason: format!("'{value}' is not a whole percent from 0 to 100"),
                })?,
        };
        // Production logs are JSON lines for the log collector unless asked otherwise.
        let default_format = if lookup("APP_ENV").as_deref() == Some("production") {
            "json"
        } else {
            "pretty"
        };
        let log_format = match text("APP_LOG_FORMAT", default_format).as_str() {
            "pretty" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError {
                    name: "APP_LOG_FORMAT",
                    reason: format!("'{other}' is neither pretty nor json"),
                })
            }
        };
        let seed_demo = match text("APP_SEED_DEMO", "false").as_str() {
            "1" | "true" | "yes" => true,
            "0" | "false" | "no" => false,
            other => {
                return Err(ConfigError {
                    name: "APP_SEED_DEMO",
                    reason: format!("'{other}' is not true or false"),
                })
            }
        };
        let seconds = |name: &'static str, default: u64| -> Result<Duration, ConfigError> {
            match lookup(name) {
                None => Ok(Duration::from_secs(default)),
                Some(value) => value
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|secs| *secs > 0)
                    .map(Duration::from_secs)
                    .ok_or(ConfigError {
                        name,
                        reason: format!("'{value}' is not a positive number of seconds"),
                    }),
            }
        };
        let ws_fanout_threads = match lookup("APP_WS_FANOUT_THREADS") {
            None => std::thread::available_parallelism().map_or(1, usize::from),
            Some(value) => value
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|threads| (1..=256).contains(threads))
                .ok_or(ConfigError {
                    name: "APP_WS_FANOUT_THREADS",
                    reason: format!("'{value}' is not a number of threads from 1 to 256"),
                })?,
        };
        let trusted_proxies = match lookup("APP_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .filter(|item| !item.trim().is_empty())
                .map(|item| {
                    IpBlock::parse(item).ok_or(ConfigError {
                        name: "APP_TRUSTED_PROXIES",
                        reason: format!("'{}' is not an address or CIDR block", item.trim()),
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        // Shown on pages as it is: one line of plain text.
        let one_line = |name: &'static str, default: &str| -> Result<String, ConfigError> {
            let value = text(name, default);
            crate::model::text::single_line(name, &value, 120)
                .map_err(|reason| ConfigError { name, reason })
        };
        let count = |name: &'static str, default: usize| -> Result<usize, ConfigError> {
            match lookup(name) {
                None => Ok(default),
                Some(value) => {
                    value
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or(ConfigError {
                            name,
                            reason: format!("'{value}' is not a positive whole number"),
                        })
                }
            }
        };
        let metrics_addr = match lookup("APP_METRICS_ADDR").filter(|addr| !addr.trim().is_empty()) {
            None => None,
            Some(addr) => Some(addr.trim().parse().map_err(|_| ConfigError {
                name: "APP_METRICS_ADDR",
                reason: format!("'{addr}' is not an address like 127.0.0.1:9100"),
            })?),
        };
        let app_env = match text("APP_ENV", "development").as_str() {
            env @ ("development" | "production") => env.to_string(),
            other => {
                return Err(ConfigError {
                    name: "APP_ENV",
                    reason: format!("'{other}' is neither development nor production"),
                })
            }
        };
        Ok(Self {
            app_env,
            staff_idle_timeout: seconds("APP_STAFF_IDLE_SECS", 30 * 60)?,
            staff_session_max_age: seconds("APP_STAFF_MAX_SECS", 12 * 60 * 60)?,
            ws_ping_every: seconds("APP_WS_PING_SECS", 20)?,
            ws_fanout_threads,
            trusted_proxies,
            header_read_timeout: seconds("APP_HEADER_READ_TIMEOUT_SECS", 20)?,
            max_connections: count("APP_MAX_CONNECTIONS", 16_384)?,
            max_body_bytes: count("APP_MAX_BODY_BYTES", 64 * 1024)?,
            ws_max_per_staff: count("APP_WS_MAX_PER_STAFF", 20)?,
            ws_fragment_timeout: seconds("APP_WS_FRAGMENT_SECS", 10)?,
            shutdown_grace: seconds("APP_SHUTDOWN_GRACE_SECS", 10)?,
            metrics_addr,
            order_expire_days: count("APP_ORDER_EXPIRE_DAYS", 7)? as u32,
            cart_abandon_days: count("APP_CART_ABANDON_DAYS", 30)? as u32,
            store_phone: one_line("APP_STORE_PHONE", "+1 555 0142 (demo)")?,
            store_hours: one_line("APP_STORE_HOURS", "Mon–Fri 9:00–18:00, Sat 10:00–14:00")?,
            database_url: text("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tandem"),
            redis_url: text("REDIS_URL", "redis://127.0.0.1:6379"),
            redis_key_prefix: text("REDIS_KEY_PREFIX", "tandem:"),
            public_origin,
            seed_demo,
            rep_discount_cap_percent,
            log_format,
        })
    }

    /// Whether this is a production deployment (no demo passwords).
    pub fn is_production(&self) -> bool {
        self.app_env == "production"
    }

    /// Whether a request from `peer` may say which client it forwards (loopback always may).
    pub fn is_trusted_proxy(&self, peer: IpAddr) -> bool {
        peer.is_loopback()
            || self
                .trusted_proxies
                .iter()
                .any(|block| block.contains(peer))
    }

    /// Whether cookies must carry `Secure` (the site is served over https).
    pub fn secure_cookies(&self) -> bool {
        self.public_origin
            .as_deref()
            .is_some_and(|origin| origin.starts_with("https://"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_local_postgres_and_redis() {
        let config = Config::from_lookup(|_| None).unwrap();
        assert_eq!(
            config.database_url,
            "postgres://postgres@127.0.0.1:5432/tandem"
        );
        assert_eq!(config.redis_key_prefix, "tandem:");
        assert_eq!(config.rep_discount_cap_percent, 15);
        assert!(!config.secure_cookies());
    }

    #[test]
    fn an_https_public_origin_makes_cookies_secure() {
        let config = Config::from_lookup(|name| {
            (name == "APP_PUBLIC_ORIGIN").then(|| "https://shop.example.com/".to_string())
        })
        .unwrap();
        assert_eq!(
            config.public_origin.as_deref(),
            Some("https://shop.example.com")
        );
        assert!(config.secure_cookies());
    }

    #[test]
    fn demo_data_is_off_unless_asked_for_and_an_unknown_environment_is_refused() {
        assert!(!Config::from_lookup(|_| None).unwrap().seed_demo);
        let error = Config::from_lookup(|name| (name == "APP_ENV").then(|| "staging".to_string()))
            .unwrap_err();
        assert!(error.to_string().contains("APP_ENV"));
    }

    #[test]
    fn trusted_proxies_are_addresses_or_blocks() {
        let config = Config::from_lookup(|name| {
            (name == "APP_TRUSTED_PROXIES").then(|| "10.0.0.0/8, 2001:db8::/32,192.0.2.7".into())
        })
        .unwrap();
        for trusted in ["10.1.2.3", "2001:db8::1", "192.0.2.7", "127.0.0.1"] {
            assert!(
                config.is_trusted_proxy(trusted.parse().unwrap()),
                "{trusted}"
            );
        }
        for other in ["11.0.0.1", "2001:db9::1", "192.0.2.8"] {
            assert!(!config.is_trusted_proxy(other.parse().unwrap()), "{other}");
        }
        assert!(Config::from_lookup(|name| {
            (name == "APP_TRUSTED_PROXIES").then(|| "10.0.0.0/33".into())
        })
        .is_err());
    }

    #[test]
    fn a_discount_cap_above_one_hundred_percent_is_refused() {
        let error = Config::from_lookup(|name| {
            (name == "APP_REP_DISCOUNT_CAP_PERCENT").then(|| "150".to_string())
        })
        .unwrap_err();
        assert!(error.to_string().contains("APP_REP_DISCOUNT_CAP_PERCENT"));
    }

    #[test]
    fn the_fanout_thread_count_defaults_to_the_cores_and_zero_is_refused() {
        let config = Config::from_lookup(|_| None).unwrap();
        assert!(config.ws_fanout_threads >= 1);
        let error =
            Config::from_lookup(|name| (name == "APP_WS_FANOUT_THREADS").then(|| "0".to_string()))
                .unwrap_err();
        assert!(error.to_string().contains("APP_WS_FANOUT_THREADS"));
    }
}
