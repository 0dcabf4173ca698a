//! Setting the HTTP status of a server-rendered page (a no-op in the browser).

/// Gives the page being rendered on the server the status `code` (e.g. 404).
pub fn set_response_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(code),
    ) {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// A response header saying this page shows something that went wrong (an error notice):
/// it is never kept and served to other visitors, whatever its status.
pub const NOT_SHAREABLE_HEADER: &str = "x-tandem-not-shareable";

/// Marks the page being rendered on the server as one that must not be shared.
pub fn mark_not_shareable() {
    #[cfg(feature = "ssr")]
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::HeaderName::from_static(NOT_SHAREABLE_HEADER),
            http::HeaderValue::from_static("1"),
        );
    }
}
