//! `/health` (the process is up; scripts wait on it) and `/readyz` (it can serve: Postgres,
//! Redis and the LISTEN connection all work; 503 naming what does not), for load balancers
//! and orchestrators.

use std::time::Duration;

use app::server::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use fred::interfaces::ClientLike;

/// How long a dependency may take to answer before it counts as down.
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

/// `GET /health`.
pub async fn health() -> &'static str {
    "ok"
}

/// `GET /readyz`: 200 when every dependency answers, else 503; the body says which is which.
pub async fn readyz(Extension(state): Extension<AppState>) -> Response {
    let postgres = tokio::time::timeout(CHECK_TIMEOUT, sqlx::query("select 1").execute(&state.db));
    let redis = tokio::time::timeout(CHECK_TIMEOUT, state.redis.ping::<String>(None));
    let (postgres, redis) = tokio::join!(postgres, redis);
    let postgres = matches!(postgres, Ok(Ok(_)));
    let redis = matches!(redis, Ok(Ok(_)));
    let listen = state.hub.is_listening();
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let status = if postgres && redis && listen {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(serde_json::json!({
            "postgres": word(postgres),
            "redis": word(redis),
            "listen": word(listen),
        })),
    )
        .into_response()
}
