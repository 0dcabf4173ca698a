//! Integration tests against a real server on a random port, a fresh Postgres database and
//! a fresh Redis key prefix per test.

mod events;
mod helpers;
mod rep;
mod staff;
mod storefront;
