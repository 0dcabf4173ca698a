//! Login burst benchmark (not a test): 200 staff members sign in at once against the
//! release server while a prober asks `/health` every few milliseconds. Password checks run
//! on blocking threads behind a semaphore, so the burst must not stall other requests:
//! prints the burst's duration and `/health` latency during it.
//!
//! Run: `scripts/bench.sh` (or `cargo bench -p server --bench login` after a release build).

#[path = "common/mod.rs"]
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PORT: u16 = 3461;
const LOGINS: usize = 200;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let server = common::start_server("login", PORT, &[]).await?;
    let base = server.base.clone();
    let pool = sqlx::PgPool::connect(&format!(
        "postgres://postgres@127.0.0.1:5432/{}",
        server.database
    ))
    .await?;
    // One hash for all: hashing 200 passwords here would only time the benchmark itself.
    let hash = app::server::staff::hash_password("bench-pass").map_err(anyhow::Error::msg)?;
    sqlx::query(
        "insert into staff (username, display_name, password_hash, roles)
         select 'bench' || n, 'Bench ' || n, $1, array['sales_rep']
         from generate_series(1, $2) n",
    )
    .bind(&hash)
    .bind(LOGINS as i32)
    .execute(&pool)
    .await?;

    let idle = probe_health(&base, Duration::from_secs(2)).await;
    let burst_running = Arc::new(AtomicBool::new(true));
    let prober = {
        let base = base.clone();
        let running = burst_running.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut latencies = Vec::new();
            while running.load(Ordering::Relaxed) {
                let started = Instant::now();
                if client.get(format!("{base}/health")).send().await.is_ok() {
                    latencies.push(started.elapsed());
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            latencies
        })
    };
    let started = Instant::now();
    let logins = (1..=LOGINS).map(|n| {
        let base = base.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client");
            let response = client
                .post(format!("{base}/admin/login"))
                // Distinct addresses, as 200 reps in 200 places would be.
                .header("x-real-ip", format!("10.{}.{}.1", n / 250, n % 250))
                .form(&[
                    ("username", format!("bench{n}")),
                    ("password", "bench-pass".into()),
                ])
                .send()
                .await;
            let started = Instant::now();
            matches!(response, Ok(r) if r.headers().get("location").is_some_and(|l| l == "/admin"))
                .then_some(started)
        })
    });
    let outcomes = futures::future::join_all(logins).await;
    let burst = started.elapsed();
    burst_running.store(false, Ordering::Relaxed);
    let mut during = prober.await?;
    let signed_in = outcomes
        .into_iter()
        .filter(|outcome| matches!(outcome, Ok(Some(_))))
        .count();
    during.sort();
    println!(
        "login burst: {signed_in}/{LOGINS} signed in within {:.2} s; /health during the burst: \
         {} probes, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (idle p99 {:.2} ms)",
        burst.as_secs_f64(),
        during.len(),
        common::quantile_ms(&during, 0.5),
        common::quantile_ms(&during, 0.99),
        common::quantile_ms(&during, 1.0),
        common::quantile_ms(&idle, 0.99),
    );
    Ok(())
}

/// `/health` latencies over `period`, sorted.
async fn probe_health(base: &str, period: Duration) -> Vec<Duration> {
    let client = reqwest::Client::new();
    let until = Instant::now() + period;
    let mut latencies = Vec::new();
    while Instant::now() < until {
        let started = Instant::now();
        if client.get(format!("{base}/health")).send().await.is_ok() {
            latencies.push(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    latencies.sort();
    latencies
}
