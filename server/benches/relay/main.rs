//! Relay benchmark (not a test): starts the release server (`target/release/server`, built
//! by `cargo leptos build --release`) on its own database, opens N authenticated websocket
//! clients, fires NOTIFYs at a fixed rate and prints delivery latency, lost and duplicate
//! deliveries, server memory per idle connection and server CPU per 1000 deliveries; then the
//! end-to-end latency from a shopper's add-to-cart returning to the rep's refetch finishing.
//!
//! Run: `scripts/bench.sh` (raises the open-file limit first). Scenarios can be chosen with
//! `RELAY_BENCH=1000x100,10000x10` (clients x events per second) and `RELAY_BENCH_SECS`.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[path = "../common/mod.rs"]
mod common;
mod load_clients;

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const PORT: u16 = 3460;

/// Threads driving the load generator's clients (`RELAY_BENCH_CLIENT_THREADS`, default one
/// per core, like the server's fan-out): each reads its share of the sockets while the
/// server is still writing to the rest.
fn client_threads() -> usize {
    std::env::var("RELAY_BENCH_CLIENT_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("RELAY_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let scenarios: Vec<(usize, u64)> = std::env::var("RELAY_BENCH")
        .unwrap_or_else(|_| "1000x100,10000x10".into())
        .split(',')
        .filter_map(|s| s.split_once('x'))
        .filter_map(|(n, r)| Some((n.trim().parse().ok()?, r.trim().parse().ok()?)))
        .collect();

    // One staff member holds every benchmark socket: lift the per-member and global caps.
    let server = common::start_server(
        "relay",
        PORT,
        &[
            ("APP_WS_MAX_PER_STAFF", "100000"),
            ("APP_MAX_CONNECTIONS", "100000"),
        ],
    )
    .await?;
    let base = server.base.clone();
    let cookie = common::staff_cookie(&base).await?;
    let pool = sqlx::PgPool::connect(&format!(
        "postgres://postgres@127.0.0.1:5432/{}",
        server.database
    ))
    .await?;
    let pid = server.child.id();

    println!("relay benchmark: server pid {pid}, {seconds} s per scenario, 2-core machine");
    for (clients, rate) in scenarios {
        run_scenario(&pool, &cookie, pid, clients, rate, seconds).await?;
    }
    end_to_end(&base, &cookie).await?;
    drop(server);
    Ok(())
}

pub(crate) fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

/// Resident memory and CPU time (ms) of a process, from /proc.
fn process_stats(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss_kb = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    (rss_kb * 1024, ticks * 10) // 100 ticks per second
}

async fn run_scenario(
    pool: &sqlx::PgPool,
    cookie: &str,
    pid: u32,
    clients: usize,
    rate: u64,
    seconds: u64,
) -> anyhow::Result<()> {
    let events = rate * seconds;
    let (rss_before, _) = process_stats(pid);
    let running = load_clients::start(PORT, cookie, clients, events as usize, client_threads())?;
    while running.ready.load(Ordering::Relaxed) < clients as u64 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (rss_idle, cpu_before) = process_stats(pid);
    let (_, own_cpu_before) = process_stats(std::process::id());

    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    for seq in 0..events {
        tick.tick().await;
        let payload = format!(
            r#"{{"cart_id":{},"op":"bench","version":{seq},"sent_us":{}}}"#,
            seq % 1000 + 1,
            now_us()
        );
        sqlx::query("select pg_notify('cart_activity', $1)")
            .bind(payload)
            .execute(pool)
            .await?;
    }
    // Clients stop by themselves once they have every event; stragglers get five seconds.
    let deadline = Instant::now() + Duration::from_secs(5);
    while running.done.load(Ordering::Relaxed) < clients as u64 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let heard = tokio::task::spawn_blocking(move || running.finish()).await?;
    let (_, cpu_after) = process_stats(pid);
    let (_, own_cpu_after) = process_stats(std::process::id());

    let expected = events * clients as u64;
    let mut latencies = heard.latencies_us;
    let duplicates = heard.duplicates;
    let received = latencies.len() as u64;
    latencies.sort_unstable();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len().max(1) - 1) as f64 * q) as usize)
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    let per_conn = rss_idle.saturating_sub(rss_before) as f64 / clients as f64;
    let thousands = received.max(1) as f64 / 1000.0;
    let cpu_per_1000 = (cpu_after - cpu_before) as f64 / thousands;
    let client_cpu_per_1000 = (own_cpu_after - own_cpu_before) as f64 / thousands;
    println!(
        "{clients:>6} clients x {rate:>3}/s: {received}/{expected} delivered, lost {}, duplicates {}, \
         latency p50 {:.2} ms p99 {:.2} ms max {:.2} ms, idle memory {:.1} KB/connection, \
         server CPU {:.2} ms per 1000 deliveries (load generator {:.2} ms)",
        expected.saturating_sub(received),
        duplicates,
        pick(0.5),
        pick(0.99),
        latencies.last().copied().unwrap_or(0) as f64 / 1000.0,
        per_conn / 1024.0,
        cpu_per_1000,
        client_cpu_per_1000,
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    Ok(())
}

/// Shopper's add-to-cart returns -> rep's websocket hears it -> rep's refetch of the cart
/// returns: what a rep watching the cart detail page waits for.
async fn end_to_end(base: &str, cookie: &str) -> anyhow::Result<()> {
    let shopper = reqwest::Client::builder().cookie_store(true).build()?;
    let add = |request_id: String| {
        shopper
            .post(format!("{base}/api/cart/add"))
            .form(&[
                ("product_id", "19"),
                ("quantity", "1"),
                ("request_id", &request_id),
            ])
            .send()
    };
    let first: serde_json::Value = add(uuid::Uuid::new_v4().to_string()).await?.json().await?;
    let cart_id = first["cart_id"].as_i64().unwrap_or(0);
    let rep = reqwest::Client::new();
    let mut request = format!("ws://127.0.0.1:{PORT}/events/io").into_client_request()?;
    request.headers_mut().insert("cookie", cookie.parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    socket
        .send(Message::text(format!(
            r#"{{"listen":"cart_activity","cart_id":{cart_id}}}"#
        )))
        .await?;
    socket.next().await; // listening
    let admin_cookie = cookie.to_string();
    let mut heard = Vec::new();
    let mut shown = Vec::new();
    // Product 19 (insulated bottle) has 60 in stock: 1 + 40 adds stay within it.
    for _ in 0..40 {
        add(uuid::Uuid::new_v4().to_string()).await?;
        let returned = Instant::now();
        loop {
            let Some(Ok(Message::Text(text))) = socket.next().await else {
                anyhow::bail!("socket closed")
            };
            if text.contains("item_updated") || text.contains("item_added") {
                break;
            }
        }
        heard.push(returned.elapsed());
        rep.post(format!("{base}/admin/api/cart"))
            .header("cookie", &admin_cookie)
            .form(&[("cart_id", cart_id.to_string())])
            .send()
            .await?;
        shown.push(returned.elapsed());
    }
    heard.sort();
    shown.sort();
    let pick =
        |v: &Vec<Duration>, q: f64| v[((v.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    println!(
        "end to end (add-to-cart returns -> rep hears it / rep's refetch done), {} changes: \
         heard p50 {:.2} ms p99 {:.2} ms; refetched p50 {:.2} ms p99 {:.2} ms",
        heard.len(),
        pick(&heard, 0.5),
        pick(&heard, 0.99),
        pick(&shown, 0.5),
        pick(&shown, 0.99)
    );
    Ok(())
}
