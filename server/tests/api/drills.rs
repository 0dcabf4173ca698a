//! Failure drills against real services: the test starts and stops its own Redis and its own
//! throwaway Postgres cluster (never the machine's shared ones), and kills the relay's LISTEN
//! connection again and again while carts change.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_until(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if ready() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ready()
}

fn port_open(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// A Redis of the test's own, on its own port.
struct OwnRedis {
    port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    async fn start() -> Self {
        let mut redis = Self {
            port: free_port(),
            child: None,
        };
        redis.restart().await;
        redis
    }

    async fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server on PATH");
        self.child = Some(child);
        let port = self.port;
        assert!(wait_until(Duration::from_secs(10), || port_open(port)).await);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A throwaway Postgres cluster in a temporary directory, run with Debian's postgresql
/// binaries (not on PATH) as the `postgres` user when the test runs as root (initdb and
/// postgres refuse root).
struct OwnPostgres {
    port: u16,
    dir: PathBuf,
    bin: PathBuf,
}

impl OwnPostgres {
    async fn start() -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("Debian's postgresql packages")
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists())
            .max()
            .expect("an initdb under /usr/lib/postgresql");
        let dir = std::env::temp_dir().join(format!("tandem-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let cluster = Self {
            port: free_port(),
            dir,
            bin,
        };
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&cluster.dir)
                .status()
                .unwrap();
            assert!(status.success());
        }
        let data = cluster.dir.join("data");
        let status = cluster
            .as_postgres(&cluster.bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "postgres", "--no-sync"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "initdb");
        cluster.pg_ctl("start").await;
        cluster
    }

    fn as_postgres(&self, program: &std::path::Path) -> Command {
        if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    async fn pg_ctl(&self, action: &str) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let mut command = self.as_postgres(&self.bin.join("pg_ctl"));
        command
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "fast", "-w", "-o", &options, "-l"])
            .arg(self.dir.join("log"))
            .arg(action)
            .stdout(Stdio::null());
        let status = tokio::task::spawn_blocking(move || command.status())
            .await
            .unwrap()
            .unwrap();
        assert!(status.success(), "pg_ctl {action}");
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/tandem_drill", self.port)
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let mut command = self.as_postgres(&self.bin.join("pg_ctl"));
        let _ = command
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Status of GET `path` as `client`, and how long the answer took (`None`: no answer in 10 s).
async fn timed_get(app: &TestApp, client: &reqwest::Client, path: &str) -> (Option<u16>, Duration) {
    let started = Instant::now();
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        client
            .get(app.url(path))
            .header("accept", "text/html")
            .send(),
    )
    .await;
    let status = match answer {
        Ok(Ok(response)) => Some(response.status().as_u16()),
        _ => None,
    };
    (status, started.elapsed())
}

#[tokio::test]
async fn while_redis_is_down_pages_answer_without_hanging_and_everything_recovers_after() {
    let mut redis = OwnRedis::start().await;
    let url = redis.url();
    let app = spawn_app_with(&[("REDIS_URL", url.as_str())]).await;
    let shopper = app.new_client();
    let cart = app.add_to_cart(&shopper, "socks-stripes", 2).await;

    redis.stop();
    for path in ["/", "/cart", "/products/socks-stripes"] {
        let (status, took) = timed_get(&app, &shopper, path).await;
        let status = status.unwrap_or_else(|| panic!("{path} hung with Redis down"));
        assert!(
            status == 200 || status == 503,
            "{path}: {status} with Redis down"
        );
        assert!(took < Duration::from_secs(5), "{path} took {took:?}");
    }
    let (status, took) = timed_get(&app, &shopper, "/cart").await;
    assert_eq!(status, Some(200), "the cart page, without the session");
    assert!(took < Duration::from_secs(5));
    let with_cookie = shopper
        .get(app.url("/cart"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        with_cookie.contains(cart["help_code"].as_str().unwrap()),
        "the cart cookie still finds the cart"
    );
    let started = Instant::now();
    let (status, _) = app.try_add_to_cart(&shopper, "socks-stripes", 1).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a change answers in bounded time"
    );
    assert!(status == 200 || status == 503, "{status}");

    redis.restart().await;
    let recovered = {
        let mut ok = false;
        for _ in 0..100 {
            let newcomer = app.new_client();
            let (status, body) = app.try_add_to_cart(&newcomer, "helmet-aero", 1).await;
            let prefix = &app.state.config.redis_key_prefix;
            let sessions = std::process::Command::new("redis-cli")
                .args(["-p", &redis.port.to_string(), "--scan", "--pattern"])
                .arg(format!("{prefix}session:*"))
                .output()
                .unwrap();
            if status == 200 && body["cart_id"].is_i64() && !sessions.stdout.is_empty() {
                ok = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        ok
    };
    assert!(
        recovered,
        "sessions work again once Redis is back, without a restart"
    );
    let back = app.shopper_cart(&shopper).await;
    assert_eq!(back["cart_id"], cart["cart_id"], "nobody lost their cart");
}

/// A listening websocket on `app` for `username`.
async fn listener_socket(app: &TestApp, username: &str) -> Socket {
    let cookie = app.staff_cookie(username, "rep-demo-pass").await;
    let mut request = format!("ws://{}/events/io", app.address)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket
        .send(Message::text(r#"{"listen":"cart_activity"}"#))
        .await
        .unwrap();
    socket
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text frame, as JSON, within 10 s.
async fn next_frame(socket: &mut Socket) -> serde_json::Value {
    loop {
        let Ok(Some(Ok(message))) =
            tokio::time::timeout(Duration::from_secs(10), socket.next()).await
        else {
            panic!("the rep's socket closed or went quiet");
        };
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

#[tokio::test]
async fn while_postgres_restarts_pages_say_503_quickly_and_the_relay_resyncs_once() {
    let postgres = OwnPostgres::start().await;
    let url = postgres.url();
    let app = spawn_app_with(&[("DATABASE_URL", url.as_str())]).await;
    let rep = app.staff_client("ava", "rep-demo-pass").await;
    let mut socket = listener_socket(&app, "ava").await;
    let shopper = app.new_client();
    let visitor = app.cookieless.clone();
    let kept = |response: &reqwest::Response| {
        response
            .headers()
            .get("x-tandem-page-cache")
            .map(|value| value.to_str().unwrap().to_string())
    };
    assert!(wait_until(Duration::from_secs(5), || app.state.hub.is_listening()).await);
    visitor
        .get(app.url("/?category=Bikes"))
        .send()
        .await
        .unwrap();
    let before = visitor
        .get(app.url("/?category=Bikes"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        kept(&before).as_deref(),
        Some("hit"),
        "kept before the outage"
    );

    postgres.pg_ctl("stop").await;
    for path in ["/", "/products/helmet-aero"] {
        let (status, took) = timed_get(&app, &shopper, path).await;
        assert_eq!(status, Some(503), "{path} with Postgres down");
        assert!(took < Duration::from_millis(1500), "{path} took {took:?}");
    }
    let started = Instant::now();
    let (status, body) = crate::helpers::call_with(&rep, &app.url("/admin/api/carts"), &[]).await;
    assert_eq!(
        status, 503,
        "a signed-in rep is not told to sign in: {body}"
    );
    assert!(started.elapsed() < Duration::from_millis(1500));

    postgres.pg_ctl("start").await;
    let mut recovered = false;
    for _ in 0..100 {
        if timed_get(&app, &shopper, "/").await.0 == Some(200) {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "pages recover without a restart");

    // Kept anonymous pages after the restart: a change made now shows on the next request
    // (the listener is back, and its resync dropped whatever was kept before).
    assert!(wait_until(Duration::from_secs(10), || app.state.hub.is_listening()).await);
    let epoch = app.state.hub.catalog_epoch();
    sqlx::query("update product set price_cents = 123456 where slug = 'helmet-aero'")
        .execute(&app.state.db)
        .await
        .unwrap();
    assert!(
        wait_until(Duration::from_secs(5), || app.state.hub.catalog_epoch()
            != epoch)
        .await,
        "the price change is heard after the restart"
    );
    let after = visitor.get(app.url("/")).send().await.unwrap();
    assert_eq!(after.status(), 200);
    assert!(after.text().await.unwrap().contains("$1,234.56"));

    // What the rep's socket hears: one resync once LISTEN is back (so a refetch then sees
    // everything made during the outage), then changes as before.
    let mut resyncs = 0;
    loop {
        let frame = next_frame(&mut socket).await;
        if frame[0] == "resync" {
            resyncs += 1;
            break;
        }
    }
    let cart = app.add_to_cart(&shopper, "socks-stripes", 1).await;
    loop {
        let frame = next_frame(&mut socket).await;
        if frame[0] == "resync" {
            resyncs += 1;
        }
        if frame[0] == "cart_activity" && frame[1]["cart_id"] == cart["cart_id"] {
            break;
        }
    }
    assert_eq!(resyncs, 1, "one resync for the restart");
}

#[tokio::test]
async fn every_change_is_delivered_or_covered_by_a_resync_while_the_listen_connection_keeps_dying()
{
    let app = spawn_app().await;
    let mut socket = listener_socket(&app, "ava").await;
    let db = app.state.db.clone();
    let killer = tokio::spawn(async move {
        for _ in 0..15 {
            tokio::time::sleep(Duration::from_millis(150)).await;
            let _ = sqlx::query(
                "select pg_terminate_backend(pid) from pg_stat_activity
                 where datname = current_database() and query ilike 'listen%'",
            )
            .execute(&db)
            .await;
        }
    });
    let shopper = app.new_client();
    let cart_id = app.add_to_cart(&shopper, "socks-stripes", 1).await["cart_id"]
        .as_i64()
        .unwrap();
    let writer = {
        let db = app.state.db.clone();
        tokio::spawn(async move {
            // 300 committed changes to the cart, each a new version, over about 3 s.
            for _ in 0..300 {
                sqlx::query("update cart set last_op = 'drill' where cart_id = $1")
                    .bind(cart_id)
                    .execute(&db)
                    .await
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    // The client: every delivered version, and on each resync what a refetch would see.
    let mut delivered = HashSet::new();
    let mut covered_up_to = 0i64;
    let mut resyncs = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let final_version: i64 = sqlx::query_scalar("select version from cart where cart_id = $1")
            .bind(cart_id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
        if writer.is_finished()
            && (delivered.contains(&final_version) || covered_up_to >= final_version)
        {
            break;
        }
        assert!(Instant::now() < deadline, "the drill did not settle");
        let Ok(Some(Ok(message))) =
            tokio::time::timeout(Duration::from_millis(500), socket.next()).await
        else {
            continue;
        };
        let Message::Text(text) = message else {
            continue;
        };
        let frame: serde_json::Value = serde_json::from_str(&text).unwrap();
        if frame[0] == "resync" {
            resyncs += 1;
            covered_up_to = sqlx::query_scalar("select version from cart where cart_id = $1")
                .bind(cart_id)
                .fetch_one(&app.state.db)
                .await
                .unwrap();
        } else if frame[0] == "cart_activity" && frame[1]["cart_id"] == cart_id {
            delivered.insert(frame[1]["version"].as_i64().unwrap());
        }
    }
    killer.await.unwrap();
    writer.await.unwrap();
    let final_version: i64 = sqlx::query_scalar("select version from cart where cart_id = $1")
        .bind(cart_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let first_version = final_version - 300;
    let missing: Vec<i64> = (first_version + 1..=final_version)
        .filter(|v| !delivered.contains(v) && *v > covered_up_to)
        .collect();
    assert!(
        resyncs > 0,
        "the LISTEN connection was killed, so resyncs came"
    );
    assert!(
        missing.is_empty(),
        "versions neither delivered nor covered by a resync: {missing:?}"
    );
}

#[tokio::test]
async fn a_thousand_event_streams_opened_and_closed_leave_nothing_behind() {
    let app = spawn_app().await;
    let shopper = app.new_client();
    app.add_to_cart(&shopper, "socks-stripes", 1).await;
    let metrics = tokio::runtime::Handle::current().metrics();
    // Warm up: the first stream creates pools and caches that stay.
    drop(shopper.get(app.url("/api/cart/live")).send().await.unwrap());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let tasks_before = metrics.num_alive_tasks();
    let bound = 16 * 1024 * 1024;
    let grown = crate::helpers::least_memory_growth(bound, async || {
        for _ in 0..10 {
            let mut streams = Vec::new();
            for _ in 0..100 {
                let response = shopper.get(app.url("/api/cart/live")).send().await.unwrap();
                assert_eq!(response.status().as_u16(), 200);
                streams.push(response);
            }
            drop(streams);
        }
        let settled = wait_until(Duration::from_secs(10), || {
            metrics.num_alive_tasks() <= tasks_before + 2
        })
        .await;
        assert!(
            settled,
            "{} tasks alive, {tasks_before} before",
            metrics.num_alive_tasks()
        );
    })
    .await;
    assert!(
        grown < bound,
        "resident memory grew by {} KiB over 1000 streams, in the best of three rounds",
        grown / 1024
    );
}

/// An app on a Redis of its own, a shopper's cart in it and a rep signed in.
struct RepOnOwnRedis {
    redis: OwnRedis,
    app: TestApp,
    cart: serde_json::Value,
    rep: reqwest::Client,
}

async fn rep_on_own_redis() -> RepOnOwnRedis {
    let redis = OwnRedis::start().await;
    let url = redis.url();
    let app = spawn_app_with(&[("REDIS_URL", url.as_str())]).await;
    let shopper = app.new_client();
    let cart = app.add_to_cart(&shopper, "socks-stripes", 1).await;
    let rep = app.staff_client("ava", "rep-demo-pass").await;
    RepOnOwnRedis {
        redis,
        app,
        cart,
        rep,
    }
}

#[tokio::test]
async fn while_redis_is_down_the_reps_presence_columns_say_unknown_not_nobody() {
    let RepOnOwnRedis {
        mut redis,
        app,
        cart,
        rep,
    } = rep_on_own_redis().await;
    let ids = cart["cart_id"].to_string();
    let presence_url = app.url("/admin/api/carts/presence");
    let fields = [("cart_ids", ids.as_str())];
    let presence = || crate::helpers::call_with(&rep, &presence_url, &fields);
    let (status, body) = presence().await;
    assert_eq!(status, 200, "{body}");

    redis.stop();
    let (status, body) = presence().await;
    assert_eq!(status, 503, "Redis down is not 'nobody is here': {body}");
    assert!(body.to_string().contains("briefly unavailable"), "{body}");
    // The list itself comes from Postgres and still loads.
    let (status, body) = crate::helpers::call_with(&rep, &app.url("/admin/api/carts"), &[]).await;
    assert_eq!(status, 200, "{body}");

    redis.restart().await;
    let mut back = false;
    for _ in 0..100 {
        if presence().await.0 == 200 {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "presence answers again once Redis is back");
}

#[tokio::test]
async fn while_redis_is_down_a_rep_who_had_a_cart_open_can_still_sign_out() {
    let RepOnOwnRedis {
        mut redis,
        app,
        cart,
        rep,
    } = rep_on_own_redis().await;
    let cart_id = cart["cart_id"].to_string();
    let (status, body) =
        crate::helpers::call_with(&rep, &app.url("/admin/api/cart"), &[("cart_id", &cart_id)])
            .await;
    assert_eq!(status, 200, "{body}");

    redis.stop();
    let started = tokio::time::Instant::now();
    let response = rep.post(app.url("/admin/logout")).send().await.unwrap();
    assert_eq!(
        response.headers()["location"],
        "/admin/login?notice=signed_out",
        "the session lives in Postgres: signing out does not need Redis"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let (status, _) = crate::helpers::call_with(&rep, &app.url("/admin/api/me"), &[]).await;
    assert_eq!(status, 401);
}
