//! Server-only half of the app: configuration, database access, sessions and the
//! cart binding used by server functions. Gated once here, so none of it reaches wasm.

pub mod config;
pub mod console_bundle;
pub mod db;
pub mod flash;
pub mod form_post;
pub mod login_limit;
pub mod maintenance;
pub mod payment;
pub mod presence;
pub mod realtime;
pub mod redis_health;
pub mod redis_store;
pub mod seed;
pub mod shopper;
pub mod site_pages;
pub mod split_loader;
pub mod staff;
pub mod staff_cache;
pub mod state;
pub mod summary_cache;

pub use config::Config;
pub use state::AppState;
