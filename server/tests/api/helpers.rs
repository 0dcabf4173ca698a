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
    let config = Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(format!("postgres://postgres@127.0.0.1:5432/{database}")),
        "REDIS_KEY_PREFIX" => Some(format!("tandem_test_{run}:")),
        "APP_SEED_DEMO" => Some("true".into()),
        _ => settings
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string())
            .or_else(|| std::env::var(name).ok().filter(|_| name == "REDIS_URL")),
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
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        state,
        client: client(),
    }
}
