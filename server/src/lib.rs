//! The Tandem server: wiring the Leptos app, sessions and realtime relay into axum.

pub mod csrf;
pub mod error_status;
pub mod form_errors;
pub mod images;
pub mod login;
pub mod realtime;
pub mod request_guard;
pub mod security_headers;
pub mod sessions;
pub mod staff_gate;
pub mod startup;
pub mod telemetry;
