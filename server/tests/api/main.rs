//! Integration tests against a real server on a random port, a fresh Postgres database and
//! a fresh Redis key prefix per test.

mod authorization;
mod bad_input;
mod console;
mod discount_cap;
mod drills;
mod events;
mod helpers;
mod live_views;
mod login_limits;
mod public_pages;
mod rendering;
mod rep;
mod revocation;
mod safety;
mod shopper_pages;
mod staff;
mod store;
mod storefront;
mod transport;
