//! What the benchmarks share: starting the release server (`target/release/server`, built by
//! `cargo leptos build --release`) on a database of its own with the demo data, waiting for
//! it, and signing in. Each benchmark uses what it needs of it.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A release server started for a benchmark; killed, and its database dropped, on drop.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) database: String,
    pub(crate) base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-qc"])
            .arg(format!(
                "drop database if exists \"{}\" with (force)",
                self.database
            ))
            .status();
    }
}

/// Starts the release server on `port` with a fresh database named after `bench`, demo data
/// seeded, and the extra environment `env`; returns once it answers `/health`.
pub(crate) async fn start_server(
    bench: &str,
    port: u16,
    env: &[(&str, &str)],
) -> anyhow::Result<Server> {
    let database = format!("tandem_bench_{bench}_{}", std::process::id());
    // `BENCH_SERVER_BIN` runs another build (an older one, for figures before a change).
    let binary = std::env::var("BENCH_SERVER_BIN").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release/server").to_string()
    });
    let mut command = Command::new(&binary);
    command
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env(
            "DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:5432/{database}"),
        )
        .env("REDIS_KEY_PREFIX", format!("{database}:"))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_OUTPUT_NAME", "tandem")
        .env("LEPTOS_SITE_ROOT", "target/site")
        .env("LEPTOS_SITE_PKG_DIR", "pkg")
        .env("LEPTOS_ENV", "PROD")
        .env("APP_SEED_DEMO", "true")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let child = command.spawn().map_err(|e| {
        anyhow::anyhow!("starting {binary} (run `cargo leptos build --release` first): {e}")
    })?;
    let server = Server {
        child,
        database,
        base: format!("http://127.0.0.1:{port}"),
    };
    wait_for_health(&server.base).await?;
    Ok(server)
}

async fn wait_for_health(base: &str) -> anyhow::Result<()> {
    for _ in 0..600 {
        if let Ok(response) = reqwest::get(format!("{base}/health")).await {
            if response.status().is_success() {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("server did not start")
}

/// Signs the demo admin in; the staff cookie (`name=value`) as sent to `/events`.
pub(crate) async fn staff_cookie(base: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let response = client
        .post(format!("{base}/admin/login"))
        .form(&[("username", "admin"), ("password", "admin-demo-pass")])
        .send()
        .await?;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("Path=/events"))
        .ok_or_else(|| anyhow::anyhow!("no staff cookie"))?;
    Ok(cookie.split(';').next().unwrap_or_default().to_string())
}

/// The `q` quantile of sorted `durations`, in milliseconds.
pub(crate) fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3
}
