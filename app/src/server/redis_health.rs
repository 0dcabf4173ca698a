//! A short memory of Redis failing. While Redis is down every command waits out its timeout
//! (a second); a page that touches Redis five times would take five seconds. After one
//! failure, Redis is skipped for a moment by every request, so pages answer at once without
//! it (shoppers' carts are found through their cart cookie; presence is left out), and the
//! next command after the pause tries Redis again.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long Redis is skipped after a failure before it is tried again.
pub const PAUSE: Duration = Duration::from_secs(1);

/// Shared by everything that talks to Redis. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct RedisHealth {
    down_until_ms: Arc<AtomicU64>,
}

/// Redis failed just now, or did in the last moment.
#[derive(Debug, thiserror::Error)]
#[error("Redis is unavailable: {0}")]
pub struct RedisUnavailable(pub String);

impl RedisHealth {
    /// Whether Redis is being skipped right now.
    pub fn is_down(&self) -> bool {
        now_ms() < self.down_until_ms.load(Ordering::Relaxed)
    }

    /// Runs `command` unless Redis is being skipped; a failure starts a pause.
    pub async fn run<T>(
        &self,
        command: impl Future<Output = Result<T, fred::error::Error>>,
    ) -> Result<T, RedisUnavailable> {
        if self.is_down() {
            return Err(RedisUnavailable("skipped after a recent failure".into()));
        }
        command.await.map_err(|error| {
            self.down_until_ms
                .store(now_ms() + PAUSE.as_millis() as u64, Ordering::Relaxed);
            tracing::warn!(%error, "Redis failed; skipping it for a moment");
            RedisUnavailable(error.to_string())
        })
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}
