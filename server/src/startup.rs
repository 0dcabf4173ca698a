//! Building the application: connections, migrations, demo data, the router, the listener.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;
use app::components::add_to_cart::FormSeed;
use app::server::realtime::{self, Hub};
use app::server::redis_health::RedisHealth;
use app::server::redis_store::RedisSessionStore;
use app::server::{db, maintenance, seed, staff, AppState, Config};
use app::{shell, App};
use axum::http::{HeaderName, HeaderValue};
use axum::routing::{get, post};
use axum::{middleware, Extension, Router};
use fred::prelude::{Builder, ClientLike, Config as RedisConfig, ReconnectPolicy};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions_sqlx_store::PostgresStore;

use crate::page_cache::{self, PageCache};
use crate::realtime::access::AccessWatch;
use crate::security_headers::{PageNonce, PublicRender};
use crate::serve::{self, Limits};
use crate::{
    body_limit, csrf, error_status, form_errors, health, images, login, render_deadline,
    request_guard, security_headers, sessions, staff_gate, static_files, telemetry_metrics,
};

/// A bound, ready-to-serve Tandem server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    metrics_address: Option<SocketAddr>,
}

impl Application {
    /// Connects to Postgres and Redis, migrates, seeds when asked, and binds the address
    /// from `leptos_options.site_addr` (port 0 picks a free port, as tests do). Background
    /// tasks start here and end when the state's shutdown token is cancelled.
    pub async fn build(config: Config, leptos_options: LeptosOptions) -> anyhow::Result<Self> {
        let db = db::connect_and_migrate(&config.database_url)
            .await
            .with_context(|| {
                format!("connecting to Postgres at {}", redact(&config.database_url))
            })?;
        if config.seed_demo {
            let added = seed::seed_demo_catalog(&db).await?;
            if added > 0 {
                tracing::info!(products = added, "seeded the demo catalog");
            }
            let staff = seed::seed_demo_staff(&db, &config)
                .await
                .map_err(|error| anyhow::anyhow!("seeding demo staff: {error}"))?;
            if staff > 0 {
                tracing::info!(accounts = staff, "seeded the demo staff accounts");
            }
        }
        let shutdown = CancellationToken::new();
        let staff_store = sessions::staff_store(db.clone(), shutdown.clone()).await?;
        let redis = connect_redis(&config.redis_url)
            .await
            .with_context(|| format!("connecting to Redis at {}", redact(&config.redis_url)))?;
        let hub = Hub::new();
        tokio::spawn(realtime::listener::run(
            config.database_url.clone(),
            hub.clone(),
            shutdown.clone(),
        ));
        tokio::spawn(maintenance::run(
            db.clone(),
            maintenance::Settings {
                cart_abandon_days: config.cart_abandon_days,
                order_expire_days: config.order_expire_days,
            },
            shutdown.clone().cancelled_owned(),
        ));
        let metrics_address = match config.metrics_addr {
            Some(address) => Some(telemetry_metrics::serve(address, shutdown.clone()).await?),
            None => None,
        };
        let state = AppState {
            db,
            redis,
            redis_health: RedisHealth::default(),
            config: Arc::new(config),
            hub,
            password_checks: staff::password_check_slots(),
            shutdown,
            staff_cache: Default::default(),
            summaries: Default::default(),
        };
        let listener = TcpListener::bind(leptos_options.site_addr)
            .await
            .with_context(|| format!("binding {}", leptos_options.site_addr))?;
        let router = router(state.clone(), staff_store, leptos_options);
        Ok(Self {
            listener,
            router,
            state,
            metrics_address,
        })
    }

    /// Where the server listens.
    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Where `/metrics` is served, when `APP_METRICS_ADDR` is set.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_address
    }

    /// The shared state, for tests that want to look behind the HTTP interface.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `stop` completes (for the binary: SIGTERM or Ctrl-C), then shuts down:
    /// stops accepting, sends every websocket a 1001 close so its client reconnects
    /// elsewhere, ends the shoppers' event streams, and lets requests in flight finish within
    /// `APP_SHUTDOWN_GRACE_SECS`. Cancelling the state's shutdown token does the same.
    pub async fn run_until_stopped(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let shutdown = self.state.shutdown.clone();
        tokio::spawn({
            let shutdown = shutdown.clone();
            async move {
                tokio::select! {
                    () = stop => tracing::info!("asked to stop; shutting down"),
                    () = shutdown.cancelled() => {}
                }
                shutdown.cancel();
            }
        });
        let config = &self.state.config;
        let limits = Limits {
            header_read_timeout: config.header_read_timeout,
            max_connections: config.max_connections,
            shutdown_grace: config.shutdown_grace,
        };
        let grace_ends = async {
            shutdown.cancelled().await;
            tokio::time::Instant::now() + limits.shutdown_grace
        };
        let (served, grace_ends) = tokio::join!(
            serve::serve(self.listener, self.router, limits, shutdown.clone()),
            grace_ends
        );
        served?;
        // Websockets live outside the HTTP connections serve() drains: they close themselves
        // with 1001 on the same token; wait for them within what is left of the grace.
        while self.state.hub.connection_count() > 0 && tokio::time::Instant::now() < grace_ends {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Whether pages name the content-hashed wasm, js and css follows the build, not a setting:
/// cargo-leptos `hash-files` writes `hash.txt` beside the server binary, and without it
/// the hashed names cannot be known (with it, the unhashed files do not exist).
pub fn with_built_file_names(mut options: LeptosOptions) -> LeptosOptions {
    let hash_file = std::env::current_exe().ok().and_then(|binary| {
        binary
            .parent()
            .map(|dir| dir.join(options.hash_file.as_ref()))
    });
    options.hash_files = hash_file.is_some_and(|file| file.exists());
    options
}

/// The app's routes, learned once per process.
///
/// Leptos learns them by running the app with resource loading suppressed, and that
/// suppression is a single flag for the whole process: any page whose data is first asked
/// for meanwhile, on another thread, waits forever. Learning them once, before the first
/// router exists, means no page is ever rendering then, however many servers a process
/// starts (the API tests start one per test).
fn app_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// All routes and layers.
pub fn router(
    state: AppState,
    staff_store: PostgresStore,
    leptos_options: LeptosOptions,
) -> Router {
    let routes = app_routes();
    let shopper_sessions = sessions::shopper_layer(
        RedisSessionStore::new(
            state.redis.clone(),
            state.redis_health.clone(),
            &state.config.redis_key_prefix,
        ),
        state.config.secure_cookies(),
    );
    let staff_sessions = sessions::staff_layer(staff_store, &state.config);
    let context_state = state.clone();
    let fanout = crate::realtime::fanout::Fanout::start(&state.hub, state.config.ws_fanout_threads)
        .expect("starting the websocket fan-out threads");
    let access = AccessWatch::start(state.clone(), state.shutdown.clone().cancelled_owned());
    Router::new()
        .route("/images/products/{file}", get(images::product_image))
        .nest_service(
            &format!("/{}", leptos_options.site_pkg_dir),
            static_files::pkg(
                &format!(
                    "{}/{}",
                    leptos_options.site_root, leptos_options.site_pkg_dir
                ),
                &leptos_options.site_pkg_dir,
                &leptos_options.output_name,
            ),
        )
        .nest_service(
            &format!("/{}", app::server::console_bundle::URL_DIR),
            static_files::pkg(
                &app::server::console_bundle::dir(&leptos_options).to_string_lossy(),
                app::server::console_bundle::URL_DIR,
                "console",
            ),
        )
        .route("/health", get(health::health))
        .route("/readyz", get(health::readyz))
        .route("/admin/login", post(login::log_in))
        .route("/admin/logout", post(login::log_out))
        .route("/events/io", get(crate::realtime::ws::events_io))
        .route(
            "/api/cart/live",
            get(crate::realtime::shopper_stream::cart_live),
        )
        .leptos_routes_with_context(
            &leptos_options,
            routes,
            move || {
                provide_context(context_state.clone());
                provide_context(FormSeed(rand::random()));
                provide_page_nonce();
            },
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler_with_context(
            provide_page_nonce,
            shell,
        ))
        // Innermost, so a stalled render is cut off before the page cache, compression or
        // the session layers could wait on it.
        .layer(middleware::from_fn_with_state(
            render_deadline::PAGE_DEADLINE,
            render_deadline::cut_off_stalled_pages,
        ))
        .layer(middleware::from_fn(form_errors::keep_errors_in_the_session))
        .layer(middleware::from_fn_with_state(
            state.config.secure_cookies(),
            page_cache::stamp::stamp_changes,
        ))
        .layer(middleware::from_fn(error_status::set_error_status))
        .layer(middleware::from_fn(staff_gate::check_staff))
        .layer(middleware::from_fn(sessions::expose_shopper_session))
        .layer(shopper_sessions)
        .layer(middleware::from_fn(sessions::explain_store_failure))
        .layer(middleware::from_fn(sessions::expose_staff_session))
        .layer(staff_sessions)
        .layer(middleware::from_fn(sessions::explain_store_failure))
        .layer(middleware::from_fn(sessions::mirror_staff_cookie))
        .layer(Extension(state.clone()))
        .layer(Extension(fanout))
        .layer(Extension(access))
        .layer(middleware::from_fn_with_state(
            state.config.clone(),
            csrf::refuse_cross_site,
        ))
        .layer(middleware::from_fn_with_state(
            state.config.clone(),
            body_limit::limit_body,
        ))
        .layer(middleware::from_fn(
            telemetry_metrics::time_server_functions,
        ))
        .layer(middleware::from_fn(
            request_guard::refuse_control_characters,
        ))
        .layer(middleware::from_fn(security_headers::add_security_headers))
        .layer(CompressionLayer::new())
        // Outside compression: kept pages are already compressed.
        .layer(middleware::from_fn_with_state(
            PageCache::new(state.hub.clone(), state.redis_health.clone()),
            page_cache::serve_kept_pages,
        ))
        // Which process answered: for operators behind a load balancer, and the proxy test.
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-tandem-process"),
            HeaderValue::from(std::process::id()),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(leptos_options)
}

/// Gives the render the nonce `security_headers` put into this request's page CSP, so the
/// hydration scripts carry the same one.
///
/// A page kept for every visitor ([`PublicRender`]) gets an empty nonce instead of the one
/// leptos_axum draws for each render: its scripts are allowed by hash, and nothing random
/// may be in it.
fn provide_page_nonce() {
    let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>() else {
        return;
    };
    if parts.extensions.get::<PublicRender>().is_some() {
        provide_context(leptos::nonce::Nonce::from_value(String::new()));
    } else if let Some(PageNonce(nonce)) = parts.extensions.get::<PageNonce>().cloned() {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

/// Redis with bounded waits and endless reconnection: while Redis is down every command fails
/// within a second (pages go on without the session, or say the store is unavailable), and
/// once it is back the pool reconnects by itself.
async fn connect_redis(url: &str) -> anyhow::Result<fred::clients::Pool> {
    let config = RedisConfig::from_url(url)?;
    let mut builder = Builder::from_config(config);
    builder
        .with_performance_config(|performance| {
            performance.default_command_timeout = Duration::from_secs(1);
        })
        .with_connection_config(|connection| {
            connection.connection_timeout = Duration::from_secs(1);
            connection.internal_command_timeout = Duration::from_secs(1);
            connection.max_command_attempts = 2;
        })
        // Zero attempts: no limit. 100 ms doubling to 2 s between attempts.
        .set_policy(ReconnectPolicy::new_exponential(0, 100, 2_000, 2));
    let pool = builder.build_pool(4)?;
    pool.init().await?;
    Ok(pool)
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://…{}", &url[..scheme], &url[at..]),
        _ => url.to_string(),
    }
}
