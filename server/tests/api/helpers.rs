//! Spawning a test server with its own database and Redis key prefix.

use std::net::SocketAddr;

use app::server::{AppState, Config};
use leptos::config::LeptosOptions;
use server::startup::Application;
use uuid::Uuid;

/// A running server and a cookie-keeping client for it.
pub(crate) struct TestApp {
    pub(crate) address: SocketAddr,
    pub(crate) state: AppState,
    pub(crate) client: reqwest::Client,
    /// A browser that keeps no cookies (a bot, a first visit), reusing its connections: a
    /// new client per request leaves one idle connection (two descriptors) behind each time.
    pub(crate) cookieless: reqwest::Client,
    /// Where `/metrics` is served, when the test set `APP_METRICS_ADDR`.
    pub(crate) metrics_address: Option<SocketAddr>,
    /// The server task: `run_until_stopped` returns once shut down.
    pub(crate) running: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl TestApp {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A second browser: its own cookies, same server.
    pub(crate) fn new_client(&self) -> reqwest::Client {
        client()
    }

    /// GET a page as a browser would; returns status and body.
    pub(crate) async fn page(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(self.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .expect("page request");
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Calls a server function the way the hydrated client does (form-encoded, JSON back).
    pub(crate) async fn call(&self, path: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
        call_with(&self.client, &self.url(path), form).await
    }

    /// Posts a form the way a browser without JavaScript does; returns status and Location.
    pub(crate) async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        referer: &str,
    ) -> (u16, String) {
        let response = self
            .client
            .post(self.url(path))
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", self.url(referer))
            .form(form)
            .send()
            .await
            .expect("form post");
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        (response.status().as_u16(), location)
    }

    /// Signs in through the login form on `client`; returns the redirect target.
    pub(crate) async fn log_in_with(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> String {
        let response = client
            .post(self.url("/admin/login"))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .expect("login post");
        assert_eq!(
            response.status().as_u16(),
            303,
            "login answers with a redirect"
        );
        response.headers()["location"].to_str().unwrap().to_string()
    }

    /// A new client signed in as `username` (demo password or `password` for test accounts).
    pub(crate) async fn staff_client(&self, username: &str, password: &str) -> reqwest::Client {
        let client = client();
        let target = self.log_in_with(&client, username, password).await;
        assert_eq!(target, "/admin", "{username} signed in");
        client
    }

    /// Opens `client`'s live event stream (`/api/cart/live`), as a shopper's page does.
    pub(crate) async fn shopper_stream(&self, client: &reqwest::Client) -> reqwest::Response {
        let stream = client.get(self.url("/api/cart/live")).send().await.unwrap();
        assert_eq!(stream.status().as_u16(), 200, "a cart's stream opens");
        stream
    }

    /// Creates a staff account with exactly these roles.
    pub(crate) async fn create_staff(
        &self,
        username: &str,
        password: &str,
        roles: &[app::model::staff::Role],
    ) {
        let hash = app::server::staff::hash_password(password).unwrap();
        app::server::db::staff::upsert(&self.state.db, username, username, &hash, roles, true)
            .await
            .unwrap();
    }

    /// Adds `quantity` of a demo product to `client`'s cart; the cart as the server answers.
    pub(crate) async fn add_to_cart(
        &self,
        client: &reqwest::Client,
        slug: &str,
        quantity: u32,
    ) -> serde_json::Value {
        let (status, cart) = self.try_add_to_cart(client, slug, quantity).await;
        assert_eq!(status, 200, "adding {slug}: {cart}");
        cart
    }

    /// Like [`Self::add_to_cart`], returning the status instead of asserting it.
    pub(crate) async fn try_add_to_cart(
        &self,
        client: &reqwest::Client,
        slug: &str,
        quantity: u32,
    ) -> (u16, serde_json::Value) {
        let product = self.product_id(slug).await.to_string();
        let request_id = Uuid::new_v4().to_string();
        let quantity = quantity.to_string();
        call_with(
            client,
            &self.url("/api/cart/add"),
            &[
                ("product_id", &product),
                ("quantity", &quantity),
                ("request_id", &request_id),
            ],
        )
        .await
    }

    /// The shopper's cart as `client` sees it (`null` before the first add).
    pub(crate) async fn shopper_cart(&self, client: &reqwest::Client) -> serde_json::Value {
        let (status, cart) = call_with(client, &self.url("/api/cart"), &[]).await;
        assert_eq!(status, 200, "{cart}");
        cart
    }

    /// A cart's detail as a rep (or admin) `client` sees it.
    pub(crate) async fn cart_detail(
        &self,
        client: &reqwest::Client,
        cart_id: i64,
    ) -> serde_json::Value {
        let cart_id = cart_id.to_string();
        let (status, detail) = call_with(
            client,
            &self.url("/admin/api/cart"),
            &[("cart_id", &cart_id)],
        )
        .await;
        assert_eq!(status, 200, "{detail}");
        detail
    }

    /// Calls a rep function on `cart_id` with the cart's current version and a fresh request id.
    pub(crate) async fn rep_call(
        &self,
        client: &reqwest::Client,
        path: &str,
        cart_id: i64,
        fields: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let version: i64 = sqlx::query_scalar("select version from cart where cart_id = $1")
            .bind(cart_id)
            .fetch_one(&self.state.db)
            .await
            .unwrap();
        let (cart_id, version) = (cart_id.to_string(), version.to_string());
        let request_id = Uuid::new_v4().to_string();
        let mut form: Vec<(&str, &str)> = vec![
            ("cart_id", &cart_id),
            ("version", &version),
            ("request_id", &request_id),
        ];
        form.extend_from_slice(fields);
        call_with(client, &self.url(path), &form).await
    }

    /// Signs `username` in and returns the staff cookie sent to `/events` (for websockets).
    pub(crate) async fn staff_cookie(&self, username: &str, password: &str) -> String {
        let response = client()
            .post(self.url("/admin/login"))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .unwrap();
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .find(|c| c.contains("Path=/events"))
            .expect("an /events staff cookie")
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }

    /// The product id of a demo product.
    pub(crate) async fn product_id(&self, slug: &str) -> i64 {
        sqlx::query_scalar("select product_id from product where slug = $1")
            .bind(slug)
            .fetch_one(&self.state.db)
            .await
            .unwrap()
    }
}

pub(crate) async fn call_with(
    client: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let response = client
        .post(url)
        .form(form)
        .send()
        .await
        .expect("server fn call");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, body)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Starts a server on a random port with a new database and Redis prefix, demo data seeded.
pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// A second server process sharing `other`'s database and Redis prefix.
pub(crate) async fn spawn_app_on(other: &TestApp) -> TestApp {
    let database = other.state.config.database_url.clone();
    let prefix = other.state.config.redis_key_prefix.clone();
    spawn_configured(move |name| match name {
        "DATABASE_URL" => Some(database.clone()),
        "REDIS_KEY_PREFIX" => Some(prefix.clone()),
        "APP_SEED_DEMO" => Some("true".into()),
        _ => None,
    })
    .await
}

/// Like [`spawn_app`], with some configuration variables set (e.g. short session timeouts).
pub(crate) async fn spawn_app_with(settings: &[(&str, &str)]) -> TestApp {
    // TANDEM_TEST_RUN groups one run's databases so scripts/test.sh can drop exactly those.
    let group = std::env::var("TANDEM_TEST_RUN").unwrap_or_else(|_| "local".into());
    let run = Uuid::new_v4().simple().to_string();
    let database = format!("tandem_t_{group}_{run}");
    let config = Config::from_lookup(|name| {
        let set = settings
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string());
        set.or_else(|| match name {
            "DATABASE_URL" => Some(format!("postgres://postgres@127.0.0.1:5432/{database}")),
            "REDIS_KEY_PREFIX" => Some(format!("tandem_test_{group}_{run}:")),
            "APP_SEED_DEMO" => Some("true".into()),
            "REDIS_URL" => std::env::var(name).ok(),
            _ => None,
        })
    })
    .expect("test config");
    start(config).await
}

async fn spawn_configured(lookup: impl Fn(&str) -> Option<String>) -> TestApp {
    start(Config::from_lookup(lookup).expect("test config")).await
}

async fn start(config: Config) -> TestApp {
    let options = LeptosOptions::builder()
        .output_name("tandem")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .site_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
        .build();
    let application = Application::build(config, options)
        .await
        .expect("server starts");
    let address = application.address();
    let state = application.state().clone();
    let metrics_address = application.metrics_address();
    // Stopped by cancelling `state.shutdown`, as SIGTERM would.
    let running = tokio::spawn(application.run_until_stopped(std::future::pending()));
    TestApp {
        address,
        state,
        client: client(),
        cookieless: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        metrics_address,
        running,
    }
}

/// This process's resident memory in bytes (Linux), for leak checks.
/// The least growth of this process's resident memory over one run of `round`, run up to
/// three times until one grows less than `bound`. Other tests share the process and allocate
/// meanwhile (servers, renders, compression), which can add megabytes to any one round; a
/// real leak grows every round.
pub(crate) async fn least_memory_growth(bound: u64, mut round: impl AsyncFnMut()) -> u64 {
    let mut least = u64::MAX;
    for _ in 0..3 {
        let before = resident_memory();
        round().await;
        least = least.min(resident_memory().saturating_sub(before));
        if least < bound {
            break;
        }
    }
    least
}

pub(crate) fn resident_memory() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}
