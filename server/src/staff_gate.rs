//! The gate in front of every staff server function (`/admin/api/*`): the caller's staff
//! session and roles are checked against `app::api::access` before the function's arguments
//! are read, so an anonymous caller learns nothing about what the arguments should be (401)
//! and a caller without the role is refused (403). The identity found is handed on to the
//! function, which authorises again without loading the session a second time.

use app::api::access;
use app::error::AppError;
use app::server::staff::{self, CheckedStaff, StaffSession};
use app::server::AppState;
use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;

/// Middleware for `/admin/api/*`.
pub async fn check_staff(
    Extension(state): Extension<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/admin/api/") {
        return next.run(request).await;
    }
    let allowed = access::roles_for(path);
    let session = request.extensions().get::<StaffSession>().cloned();
    let staff = match session {
        Some(session) => match staff::signed_in(&state, &session.0).await {
            Ok(staff) => staff,
            Err(error) => return refusal(error),
        },
        None => None,
    };
    let Some(staff) = staff else {
        return refusal(AppError::Unauthenticated);
    };
    match allowed {
        Some(roles) if staff::may(&staff, roles) => {
            request.extensions_mut().insert(CheckedStaff(staff));
            next.run(request).await
        }
        // Not a listed staff function: server_fn answers an unknown path itself; a listed
        // one without the role is refused here.
        None => next.run(request).await,
        Some(_) => refusal(AppError::Forbidden),
    }
}

/// The error as a server function would answer it: its status and `{"kind","message"}`.
fn refusal(error: AppError) -> Response {
    let body = serde_json::to_string(&error).unwrap_or_default();
    (error.status(), [(CONTENT_TYPE, "application/json")], body).into_response()
}
