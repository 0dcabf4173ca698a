//! How an error is shown to the user.

use leptos::prelude::*;

use super::response_status::{mark_not_shareable, set_response_status};
use crate::error::AppError;

/// A visible, announced error message. A missing thing also makes the page a 404, and
/// unusable input a 400, a refusal a 403. A page showing an error is never kept for other
/// visitors (a passing database error must not become everyone's catalog).
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    mark_not_shareable();
    match error {
        AppError::NotFound(_) => set_response_status(404),
        AppError::Invalid(_) => set_response_status(400),
        AppError::Forbidden | AppError::NotAllowed(_) => set_response_status(403),
        AppError::Unavailable => set_response_status(503),
        _ => {}
    }
    view! { <p class="notice notice-error" role="alert">{error.to_string()}</p> }
}
