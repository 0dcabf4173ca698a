//! The Tandem server: wiring the Leptos app, sessions and realtime relay into axum.

pub mod error_status;
pub mod images;
pub mod sessions;
pub mod startup;
pub mod telemetry;
