//! A tower-sessions store on Redis through fred, with a key prefix so several
//! deployments or test runs can share one Redis without seeing each other's sessions.

use async_trait::async_trait;
use fred::clients::Pool;
use fred::interfaces::KeysInterface;
use fred::types::Expiration;

use super::redis_health::RedisHealth;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// Shopper sessions, one Redis string per session holding the record as JSON.
#[derive(Clone)]
pub struct RedisSessionStore {
    redis: Pool,
    health: RedisHealth,
    prefix: String,
}

impl std::fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl RedisSessionStore {
    /// Keys are `<prefix>session:<id>`.
    pub fn new(redis: Pool, health: RedisHealth, prefix: &str) -> Self {
        Self {
            redis,
            health,
            prefix: format!("{prefix}session:"),
        }
    }

    fn key(&self, id: &Id) -> String {
        format!("{}{id}", self.prefix)
    }
}

fn backend(error: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // NX: a colliding random id (vanishingly rare) is re-drawn instead of overwriting.
        loop {
            let json = serde_json::to_string(&*record).map_err(backend)?;
            let created: Option<String> = self
                .health
                .run(self.redis.set(
                    self.key(&record.id),
                    json,
                    Some(Expiration::EXAT(record.expiry_date.unix_timestamp())),
                    Some(fred::types::SetOptions::NX),
                    false,
                ))
                .await
                .map_err(backend)?;
            if created.is_some() {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let json = serde_json::to_string(record).map_err(backend)?;
        let _: Option<String> = self
            .health
            .run(self.redis.set(
                self.key(&record.id),
                json,
                Some(Expiration::EXAT(record.expiry_date.unix_timestamp())),
                None,
                false,
            ))
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let json: Option<String> = self
            .health
            .run(self.redis.get(self.key(id)))
            .await
            .map_err(backend)?;
        // A record we cannot read (older format, edited by hand) is treated as no session.
        Ok(json.and_then(|json| serde_json::from_str(&json).ok()))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let _: i64 = self
            .health
            .run(self.redis.del(self.key(id)))
            .await
            .map_err(backend)?;
        Ok(())
    }
}
