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

/// Internal response header: this page shows something meant for one moment (an error, a
/// one-time notice), so it is never kept, for anyone, whatever its status. The server's page
/// cache takes it off before the page is sent.
pub const NOT_SHAREABLE_HEADER: &str = "x-tandem-not-shareable";

/// Internal response header naming the cart a page showed, so the server's page cache knows
/// which cart's changes make a page kept for a shopper stale. Taken off before sending.
pub const PAGE_CART_HEADER: &str = "x-tandem-page-cart";

/// The headers above: what pages tell the page cache, never sent out.
pub const INTERNAL_HEADERS: [&str; 2] = [NOT_SHAREABLE_HEADER, PAGE_CART_HEADER];

/// Marks the page being rendered on the server as one that must not be kept.
pub fn mark_not_shareable() {
    #[cfg(feature = "ssr")]
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::HeaderName::from_static(NOT_SHAREABLE_HEADER),
            http::HeaderValue::from_static("1"),
        );
    }
}

/// Tells the page cache which cart the page being rendered on the server shows.
pub fn mark_page_cart(cart_id: i64) {
    #[cfg(feature = "ssr")]
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::HeaderName::from_static(PAGE_CART_HEADER),
            http::HeaderValue::from(cart_id),
        );
    }
    #[cfg(not(feature = "ssr"))]
    let _ = cart_id;
}
