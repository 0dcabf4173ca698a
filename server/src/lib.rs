//! The Tandem server: wiring the Leptos app, sessions and realtime relay into axum.

pub mod csrf;
pub mod error_status;
pub mod images;
pub mod login;
pub mod realtime;
pub mod sessions;
pub mod startup;
pub mod telemetry;
