//! The Tandem server: wiring the Leptos app, sessions and realtime relay into axum.

pub mod body_limit;
pub mod cli;
pub mod csrf;
pub mod error_status;
pub mod form_errors;
pub mod health;
pub mod images;
pub mod login;
pub mod page_cache;
pub mod realtime;
pub mod render_deadline;
pub mod request_guard;
pub mod security_headers;
pub mod serve;
pub mod sessions;
pub mod staff_gate;
pub mod startup;
pub mod static_files;
pub mod telemetry;
pub mod telemetry_metrics;
