//! Tandem's Leptos application: pages, components and server functions, compiled twice —
//! with `ssr` into the axum server and with `hydrate` into the browser's wasm.

pub mod api;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(any(feature = "ssr", feature = "csr"))]
pub mod shell;

#[cfg(any(feature = "ssr", feature = "csr"))]
pub use shell::{shell, App};
