//! Reps benchmark (not a test): what reps with the active-carts page open experience while
//! carts change, and what it costs. Starts the release server on its own database, signs in
//! N reps (each its own account and session), opens their websockets, then changes carts at
//! a fixed rate in the database (as shoppers' edits do) and has every simulated rep keep its
//! list current the way the page does. Prints, per scenario:
//!
//! - rep-screen staleness: a change committed → the rep's request that shows it answered
//!   (p50 / p99 / max), and changes never shown (unfinished) 10 s after the last one;
//! - requests per cart change (all reps together) and the server's database transactions
//!   per cart change (from `pg_stat_database`, the generator's own taken off);
//! - server plus Postgres CPU per cart change, and as a share of one core.
//!
//! `REPS_BENCH_MODE=patch` (default) behaves as the page does now: it coalesces events (one
//! request per 150 ms at most, one in flight) and asks `cart_summaries` for the carts whose
//! version moved past what it shows. `REPS_BENCH_MODE=refetch` behaves as the page did before:
//! every event refetches the whole list at once. `REPS_BENCH=500x100,50x100` chooses
//! scenarios (reps x changes per second), `REPS_BENCH_SECS` their length, and
//! `BENCH_SERVER_BIN` another server binary (an older build, for figures before a change).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "common/mod.rs"]
mod common;

use futures::{FutureExt, SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const PORT: u16 = 3470;
/// Carts changing during the run (round robin).
const CARTS: usize = 100;
/// The page's least time between two requests.
const COALESCE: Duration = Duration::from_millis(150);
/// How long after the last change reps may take to catch up before a change counts as
/// unfinished.
const GRACE: Duration = Duration::from_secs(10);
/// Postgres flushes a backend's statistics within 10 s of it going idle.
const STATS_SETTLE: Duration = Duration::from_millis(11_000);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// One request per burst of events, for the changed carts only.
    Patch,
    /// One request for the whole list per event (the page before).
    Refetch,
}

/// When each (cart, version) was committed.
type Commits = Arc<Mutex<HashMap<(i64, i64), Instant>>>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds: u64 = env_number("REPS_BENCH_SECS", 10);
    let mode = match std::env::var("REPS_BENCH_MODE").as_deref() {
        Ok("refetch") => Mode::Refetch,
        _ => Mode::Patch,
    };
    let scenarios: Vec<(usize, u64)> = std::env::var("REPS_BENCH")
        .unwrap_or_else(|_| "200x10,50x100,500x100".into())
        .split(',')
        .filter_map(|s| s.split_once('x'))
        .filter_map(|(n, r)| Some((n.trim().parse().ok()?, r.trim().parse().ok()?)))
        .collect();
    let most_reps = scenarios.iter().map(|(reps, _)| *reps).max().unwrap_or(0);

    let server = common::start_server(
        "reps",
        PORT,
        &[
            // Each rep signs in from an address of its own (X-Real-IP), as in an office
            // behind the proxy; the login limits then apply per rep, as they would.
            ("APP_TRUSTED_PROXIES", "127.0.0.1"),
            ("APP_MAX_CONNECTIONS", "100000"),
        ],
    )
    .await?;
    let base = server.base.clone();
    let database = server.database.clone();
    let pool =
        sqlx::PgPool::connect(&format!("postgres://postgres@127.0.0.1:5432/{database}")).await?;
    let pid = server.child.id();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(2_000)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;

    let cookies = sign_in_reps(&pool, &http, &base, most_reps).await?;
    let carts = make_carts(&http, &base).await?;
    println!(
        "reps benchmark ({}): server pid {pid}, {} carts changing, {seconds} s per scenario, {} cores",
        match mode {
            Mode::Patch => "page patches the changed rows",
            Mode::Refetch => "page refetches the whole list on every event",
        },
        carts.len(),
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    for (reps, rate) in scenarios {
        let run = Run {
            base: &base,
            database: &database,
            pool: &pool,
            http: &http,
            pid,
            mode,
            carts: &carts,
        };
        run.scenario(&cookies[..reps], rate, seconds).await?;
    }
    drop(server);
    Ok(())
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Creates `count` rep accounts (the demo rep's password and roles) and signs each in from
/// its own address; their staff cookies.
async fn sign_in_reps(
    pool: &sqlx::PgPool,
    http: &reqwest::Client,
    base: &str,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    sqlx::query(
        "insert into staff (username, display_name, password_hash, roles)
         select 'bench-rep-' || i, 'Bench Rep ' || i, s.password_hash, s.roles
         from staff s, generate_series(1, $1) i where s.username = 'ava'
         on conflict (username) do nothing",
    )
    .bind(count as i64)
    .execute(pool)
    .await?;
    let started = Instant::now();
    let cookies: Vec<anyhow::Result<String>> = futures::stream::iter(1..=count)
        .map(|i| async move {
            let response = http
                .post(format!("{base}/admin/login"))
                .header(
                    "x-real-ip",
                    format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255),
                )
                .form(&[
                    ("username", format!("bench-rep-{i}")),
                    ("password", "rep-demo-pass".into()),
                ])
                .send()
                .await?;
            let cookie = response
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|c| c.contains("Path=/events"))
                .ok_or_else(|| {
                    anyhow::anyhow!("rep {i} was not signed in ({})", response.status())
                })?;
            Ok(cookie.split(';').next().unwrap_or_default().to_string())
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let cookies = cookies.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    println!(
        "signed in {count} reps in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(cookies)
}

/// [`CARTS`] carts of one line each, made by shoppers; (cart, product) pairs.
async fn make_carts(http: &reqwest::Client, base: &str) -> anyhow::Result<Vec<(i64, i64)>> {
    let catalog: serde_json::Value = http
        .post(format!("{base}/api/catalog"))
        .form(&[("", "")])
        .send()
        .await?
        .json()
        .await?;
    let products: Vec<i64> = catalog["products"]
        .as_array()
        .map(|products| {
            products
                .iter()
                .filter(|p| p["stock"].as_i64().unwrap_or(0) >= 5)
                .filter_map(|p| p["product_id"].as_i64())
                .collect()
        })
        .unwrap_or_default();
    anyhow::ensure!(!products.is_empty(), "no product in stock");
    let mut carts = Vec::with_capacity(CARTS);
    for i in 0..CARTS {
        let product = products[i % products.len()];
        // A shopper of its own: no cookie store shared with the others.
        let shopper = reqwest::Client::builder().cookie_store(true).build()?;
        let cart: serde_json::Value = shopper
            .post(format!("{base}/api/cart/add"))
            .form(&[
                ("product_id", product.to_string()),
                ("quantity", "1".into()),
                ("request_id", uuid::Uuid::new_v4().to_string()),
            ])
            .send()
            .await?
            .json()
            .await?;
        let cart_id = cart["cart_id"]
            .as_i64()
            .ok_or_else(|| anyhow::anyhow!("no cart: {cart}"))?;
        carts.push((cart_id, product));
    }
    Ok(carts)
}

struct Run<'a> {
    base: &'a str,
    database: &'a str,
    pool: &'a sqlx::PgPool,
    http: &'a reqwest::Client,
    pid: u32,
    mode: Mode,
    carts: &'a [(i64, i64)],
}

/// What one rep saw.
#[derive(Default)]
struct RepReport {
    /// Change committed → the answer that showed it, in microseconds.
    staleness_us: Vec<u64>,
    requests: u64,
    failed_requests: u64,
    /// The server closed this rep's socket before the end.
    closed: bool,
}

impl Run<'_> {
    async fn scenario(&self, cookies: &[String], rate: u64, seconds: u64) -> anyhow::Result<()> {
        let reps = cookies.len();
        let changes = rate * seconds;
        let commits: Commits = Arc::default();
        let stop = Arc::new(tokio::sync::Notify::new());
        let ready = Arc::new(AtomicU64::new(0));
        let last: Arc<Mutex<HashMap<i64, i64>>> = Arc::default();

        let tasks: Vec<_> = cookies
            .iter()
            .map(|cookie| {
                let rep = Rep {
                    base: self.base.to_string(),
                    http: self.http.clone(),
                    cookie: cookie.clone(),
                    mode: self.mode,
                    commits: commits.clone(),
                };
                let (stop, ready) = (stop.clone(), ready.clone());
                tokio::spawn(async move { rep.watch(stop, ready).await })
            })
            .collect();
        while ready.load(Ordering::Relaxed) < reps as u64 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(STATS_SETTLE).await;
        let transactions_before = self.transactions().await?;
        let cpu_before = (
            cpu_ms(self.pid),
            postgres_cpu_ms(),
            cpu_ms(std::process::id()),
        );
        let started = Instant::now();

        let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        for seq in 0..changes as usize {
            tick.tick().await;
            let (cart, product) = self.carts[seq % self.carts.len()];
            let mut tx = self.pool.begin().await?;
            sqlx::query(
                "update cart_item set quantity = quantity % 5 + 1
                 where cart_id = $1 and product_id = $2",
            )
            .bind(cart)
            .bind(product)
            .execute(&mut *tx)
            .await?;
            let version: i64 = sqlx::query_scalar("select version from cart where cart_id = $1")
                .bind(cart)
                .fetch_one(&mut *tx)
                .await?;
            commits
                .lock()
                .unwrap()
                .insert((cart, version), Instant::now());
            tx.commit().await?;
            last.lock().unwrap().insert(cart, version);
        }
        let generating = started.elapsed();
        // Reps catch up (or not) within the grace period, then report.
        let deadline = Instant::now() + GRACE;
        tokio::time::sleep_until(deadline.into()).await;
        let cpu_after = (
            cpu_ms(self.pid),
            postgres_cpu_ms(),
            cpu_ms(std::process::id()),
        );
        let busy = started.elapsed();
        stop.notify_waiters();
        let last = last.lock().unwrap().clone();
        let mut reports = Vec::with_capacity(reps);
        for task in tasks {
            reports.push(task.await?);
        }
        tokio::time::sleep(STATS_SETTLE).await;
        let transactions = self.transactions().await? - transactions_before;

        let mut staleness: Vec<u64> = Vec::new();
        let (mut unfinished, mut requests, mut failed, mut closed) = (0u64, 0, 0, 0);
        for (report, shown) in reports {
            staleness.extend(report.staleness_us);
            requests += report.requests;
            failed += report.failed_requests;
            closed += u64::from(report.closed);
            // Changes after what the rep last showed were never shown.
            for (cart, version) in &last {
                let seen = shown.get(cart).copied().unwrap_or(0);
                unfinished += (*version - seen).max(0) as u64;
            }
        }
        staleness.sort_unstable();
        let pick = |q: f64| {
            staleness
                .get(((staleness.len().max(1) - 1) as f64 * q) as usize)
                .copied()
                .unwrap_or(0) as f64
                / 1000.0
        };
        let server_cpu = cpu_after.0 - cpu_before.0;
        let postgres_cpu = postgres_cpu_between(&cpu_before.1, &cpu_after.1);
        let generator_cpu = cpu_after.2 - cpu_before.2;
        // The generator's own transactions: one per change.
        let server_transactions = transactions - changes as i64;
        println!(
            "{reps:>4} reps x {rate:>3} changes/s ({changes} changes in {:.1} s): screen current after \
             p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; unfinished after {} s: {unfinished} of {}; \
             {:.1} requests per change ({failed} failed, {closed} sockets closed by the server); {:.2} server database transactions per change; \
             server {:.2} ms + Postgres {:.2} ms CPU per change = {:.0}% of one core \
             (load generator {:.0}%)",
            generating.as_secs_f64(),
            pick(0.5),
            pick(0.99),
            staleness.last().copied().unwrap_or(0) as f64 / 1000.0,
            GRACE.as_secs(),
            changes * reps as u64,
            requests as f64 / changes as f64,
            server_transactions as f64 / changes as f64,
            server_cpu as f64 / changes as f64,
            postgres_cpu as f64 / changes as f64,
            (server_cpu + postgres_cpu) as f64 / busy.as_millis() as f64 * 100.0,
            generator_cpu as f64 / busy.as_millis() as f64 * 100.0,
        );
        Ok(())
    }

    /// Transactions committed or rolled back in the benchmark's database so far.
    async fn transactions(&self) -> anyhow::Result<i64> {
        Ok(sqlx::query_scalar(
            "select (xact_commit + xact_rollback)::bigint from pg_stat_database where datname = $1",
        )
        .bind(self.database)
        .fetch_one(self.pool)
        .await?)
    }
}

/// One simulated rep with the active-carts page open.
struct Rep {
    base: String,
    http: reqwest::Client,
    cookie: String,
    mode: Mode,
    commits: Commits,
}

/// What the rep shows: each cart's version.
type Shown = HashMap<i64, i64>;

impl Rep {
    async fn watch(
        self,
        stop: Arc<tokio::sync::Notify>,
        ready: Arc<AtomicU64>,
    ) -> (RepReport, Shown) {
        let mut report = RepReport::default();
        let mut shown = Shown::new();
        let Ok(mut socket) = self.connect().await else {
            ready.fetch_add(1, Ordering::Relaxed);
            return (report, shown);
        };
        // The page loads whole first.
        self.fetch_list(&mut shown, &mut report).await;
        ready.fetch_add(1, Ordering::Relaxed);
        let stopped = stop.notified();
        tokio::pin!(stopped);
        let in_flight = Arc::new(AtomicU64::new(0));
        let answers: Arc<Mutex<Vec<(Shown, Instant)>>> = Arc::default();
        let mut pending: HashMap<i64, i64> = HashMap::new();
        let mut last_start = Instant::now() - COALESCE;
        loop {
            let frame = tokio::select! {
                () = &mut stopped => break,
                frame = socket.next() => match frame {
                    Some(Ok(frame)) => Some(frame),
                    // The server closed the socket: this rep's screen stops here.
                    Some(Err(_)) | None => {
                        report.closed = true;
                        break;
                    }
                },
                // Wakes to send what waited for the coalescing interval.
                () = tokio::time::sleep(COALESCE / 3), if !pending.is_empty() => None,
            };
            let mut frames: Vec<Message> = frame.into_iter().collect();
            while let Some(Some(Ok(more))) = socket.next().now_or_never() {
                frames.push(more);
            }
            for frame in frames {
                let Message::Text(text) = frame else { continue };
                let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
                    continue;
                };
                if value[0] != "cart_activity" {
                    continue;
                }
                let (cart, version) = (
                    value[1]["cart_id"].as_i64().unwrap_or(0),
                    value[1]["version"].as_i64().unwrap_or(0),
                );
                match self.mode {
                    Mode::Refetch => {
                        // The old page: every event starts a fetch of the whole list.
                        let (rep, answers, in_flight) =
                            (self.clone_light(), answers.clone(), in_flight.clone());
                        in_flight.fetch_add(1, Ordering::Relaxed);
                        report.requests += 1;
                        tokio::spawn(async move {
                            let mut list = Shown::new();
                            let mut ignored = RepReport::default();
                            if rep.fetch_list(&mut list, &mut ignored).await {
                                answers.lock().unwrap().push((list, Instant::now()));
                            }
                            in_flight.fetch_sub(1, Ordering::Relaxed);
                        });
                    }
                    Mode::Patch => {
                        if shown.get(&cart).copied().unwrap_or(0) < version {
                            let entry = pending.entry(cart).or_default();
                            *entry = (*entry).max(version);
                        }
                    }
                }
            }
            if self.mode == Mode::Refetch {
                let done: Vec<(Shown, Instant)> = std::mem::take(&mut *answers.lock().unwrap());
                for (list, at) in done {
                    self.show(&mut shown, list, at, &mut report);
                }
                continue;
            }
            pending.retain(|cart, version| shown.get(cart).copied().unwrap_or(0) < *version);
            if pending.is_empty() || last_start.elapsed() < COALESCE {
                continue;
            }
            // One request at a time: the rep waits for it (events queue in the socket).
            last_start = Instant::now();
            let wanted: Vec<(i64, i64)> = pending.drain().collect();
            report.requests += 1;
            match self.summaries(&wanted).await {
                Some(fresh) => self.show(&mut shown, fresh, Instant::now(), &mut report),
                None => report.failed_requests += 1,
            }
        }
        if self.mode == Mode::Refetch {
            let done: Vec<(Shown, Instant)> = std::mem::take(&mut *answers.lock().unwrap());
            for (list, at) in done {
                self.show(&mut shown, list, at, &mut report);
            }
        }
        let _ = socket.close(None).await;
        (report, shown)
    }

    fn clone_light(&self) -> Rep {
        Rep {
            base: self.base.clone(),
            http: self.http.clone(),
            cookie: self.cookie.clone(),
            mode: self.mode,
            commits: self.commits.clone(),
        }
    }

    /// Records how long each change newly shown by `fresh` (answered at `at`) waited.
    fn show(&self, shown: &mut Shown, fresh: Shown, at: Instant, report: &mut RepReport) {
        let commits = self.commits.lock().unwrap();
        for (cart, version) in fresh {
            let before = shown.get(&cart).copied().unwrap_or(0);
            if version <= before {
                continue;
            }
            for v in before + 1..=version {
                if let Some(committed) = commits.get(&(cart, v)) {
                    report
                        .staleness_us
                        .push(at.saturating_duration_since(*committed).as_micros() as u64);
                }
            }
            shown.insert(cart, version);
        }
    }

    async fn connect(
        &self,
    ) -> anyhow::Result<
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
    > {
        let mut request = format!("ws://127.0.0.1:{PORT}/events/io").into_client_request()?;
        request.headers_mut().insert("cookie", self.cookie.parse()?);
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
        socket
            .send(Message::text(r#"{"listen":"cart_activity"}"#))
            .await?;
        while let Some(frame) = socket.next().await {
            if let Message::Text(text) = frame? {
                if text.starts_with("[\"listening\"") {
                    return Ok(socket);
                }
            }
        }
        anyhow::bail!("socket closed before listening")
    }

    /// The whole first page of active carts into `shown`; false when the request failed.
    async fn fetch_list(&self, shown: &mut Shown, report: &mut RepReport) -> bool {
        let answer = self
            .http
            .post(format!("{}/admin/api/carts", self.base))
            .header("cookie", &self.cookie)
            .form(&[("", "")])
            .send()
            .await;
        let Some(list) = read_items(answer).await else {
            report.failed_requests += 1;
            return false;
        };
        shown.extend(list);
        true
    }

    /// The summaries of `wanted`, as (cart, version) pairs.
    async fn summaries(&self, wanted: &[(i64, i64)]) -> Option<Shown> {
        let wanted = wanted
            .iter()
            .map(|(cart, version)| format!("{cart}:{version}"))
            .collect::<Vec<_>>()
            .join(",");
        let answer = self
            .http
            .post(format!("{}/admin/api/carts/summaries", self.base))
            .header("cookie", &self.cookie)
            .form(&[("wanted", wanted)])
            .send()
            .await;
        read_items(answer).await
    }
}

/// (cart, version) of the summaries in a list answer (`{"items": [...]}`, or a bare array
/// from older servers).
async fn read_items(answer: reqwest::Result<reqwest::Response>) -> Option<Shown> {
    let response = answer.ok()?;
    if !response.status().is_success() {
        return None;
    }
    let value: serde_json::Value = response.json().await.ok()?;
    let items = value.get("items").unwrap_or(&value).as_array()?;
    Some(
        items
            .iter()
            .filter_map(|item| Some((item["cart_id"].as_i64()?, item["version"].as_i64()?)))
            .collect(),
    )
}

/// CPU time of a process so far, in milliseconds (from /proc; 100 ticks per second).
fn cpu_ms(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    ticks * 10
}

/// CPU time of every Postgres process so far (all its backends and workers), in ms, by pid.
fn postgres_cpu_ms() -> HashMap<u32, u64> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return HashMap::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim() == "postgres")
        })
        .map(|pid| (pid, cpu_ms(pid)))
        .collect()
}

/// Postgres CPU between two readings: what each process running at the end used since the
/// first (all of it for processes started since; processes gone meanwhile are not counted).
fn postgres_cpu_between(before: &HashMap<u32, u64>, after: &HashMap<u32, u64>) -> u64 {
    after
        .iter()
        .map(|(pid, ms)| ms.saturating_sub(before.get(pid).copied().unwrap_or(0)))
        .sum()
}
