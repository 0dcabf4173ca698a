//! Postgres: the one migrator, connecting (creating the database on first start), and
//! the queries, one file per table group.

pub mod admin;
pub mod cart;
pub mod cart_link;
pub mod catalog;
pub mod customer;
pub mod discount;
pub mod order;
pub mod outbox;
pub mod rep;
pub mod staff;

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

/// `%` and `_` typed into a search are literal characters, not wildcards.
pub(crate) fn escape_like(typed: &str) -> String {
    typed
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Every migration in `migrations/`, embedded at compile time. Server start and tests share it.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Connects to `database_url`, creating the database when it is missing, and migrates it.
pub async fn connect_and_migrate(database_url: &str) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(database_url)?;
    create_database_if_missing(&options).await?;
    // A short acquire timeout: when Postgres is down, pages say so (503) within a second
    // instead of hanging; under normal load a connection is free in well under that.
    let pool = PgPoolOptions::new()
        .max_connections(20)
        .acquire_timeout(Duration::from_millis(750))
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

async fn create_database_if_missing(options: &PgConnectOptions) -> anyhow::Result<()> {
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    let mut admin = options.clone().database("postgres").connect().await?;
    let exists: bool =
        sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        // Two processes may start at once; losing the race to create it is fine.
        if let Err(error) = sqlx::query(&format!("create database {quoted}"))
            .execute(&mut admin)
            .await
        {
            let already = error
                .as_database_error()
                .and_then(|e| e.code())
                .is_some_and(|code| code == "42P04" || code == "23505");
            if !already {
                return Err(error.into());
            }
        }
    }
    admin.close().await?;
    Ok(())
}
