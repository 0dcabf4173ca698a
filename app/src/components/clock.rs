//! Browser time for short-lived highlights.

/// How long a changed row stays highlighted.
pub const HIGHLIGHT_MS: f64 = 6000.0;

/// Milliseconds since the epoch in the browser; 0 on the server, which never highlights.
pub fn now_ms() -> f64 {
    #[cfg(any(feature = "hydrate", feature = "csr"))]
    {
        js_sys::Date::now()
    }
    #[cfg(not(any(feature = "hydrate", feature = "csr")))]
    {
        0.0
    }
}
