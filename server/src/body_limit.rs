//! An explicit limit on request bodies, for every route: the site's forms and server
//! functions send a few hundred bytes, so anything over `APP_MAX_BODY_BYTES` (64 KiB by
//! default) is refused with 413 and a sentence, before any handler reads it.

use std::sync::Arc;

use app::server::Config;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Middleware buffering bodies up to the limit.
pub async fn limit_body(
    State(config): State<Arc<Config>>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let limit = config.max_body_bytes;
    let announced = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > limit as u64) {
        return too_large(limit);
    }
    let (parts, body) = request.into_parts();
    match to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => too_large(limit),
    }
}

fn too_large(limit: usize) -> Response {
    let body = serde_json::json!({
        "kind": "Invalid",
        "message": format!("That request is too large: at most {} KiB.", limit / 1024),
    });
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}
