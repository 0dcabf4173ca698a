//! Gives failed server-function calls the HTTP status of their error.
//!
//! server_fn answers every error with 500, including its own argument-decoding errors that
//! happen before our code runs. This is the one place that reads the serialized `AppError`
//! back and sets the status that matches it (404, 422, 409, ...), so clients and logs see
//! what kind of failure it was. Form posts without JavaScript are redirects and untouched.

use app::error::AppError;
use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// Error bodies are small JSON objects; anything larger is left alone.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Middleware for the server function routes.
pub async fn set_error_status(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let is_call = path.starts_with("/api/") || path.starts_with("/admin/api/");
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !is_call || response.status() != StatusCode::INTERNAL_SERVER_ERROR || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status();
    }
    Response::from_parts(parts, Body::from(bytes))
}
