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
