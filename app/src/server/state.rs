//! The shared handles every request may need, provided to server functions as context.

use std::sync::Arc;

use fred::clients::Pool as RedisPool;
use leptos::prelude::use_context;
use sqlx::PgPool;

use super::realtime::Hub;
use super::Config;
use crate::error::AppError;

/// Database pool, Redis pool and configuration. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub redis: RedisPool,
    /// Skips Redis for a moment after it fails (see `redis_health`).
    pub redis_health: super::redis_health::RedisHealth,
    pub config: Arc<Config>,
    /// This process's live event fan-out.
    pub hub: Hub,
    /// Who staff sessions belong to, remembered for a few seconds (see `staff_cache`).
    pub staff_cache: super::staff_cache::StaffCache,
    /// Cart summaries by cart and version (see `summary_cache`).
    pub summaries: super::summary_cache::SummaryCache,
    /// Password checks that may run at once (see `staff::password_check_slots`).
    pub password_checks: Arc<tokio::sync::Semaphore>,
    /// Cancelled when the process begins to shut down: every task and long-lived response
    /// (websockets, event streams, the LISTEN connection, sweeps) hears it and ends.
    pub shutdown: tokio_util::sync::CancellationToken,
}

impl AppState {
    /// The state provided to the current server function or render.
    pub fn current() -> Result<Self, AppError> {
        use_context::<AppState>()
            .ok_or_else(|| AppError::internal("missing context", "AppState was not provided"))
    }
}
