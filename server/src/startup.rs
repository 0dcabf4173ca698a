//! Building the application: connections, migrations, demo data, the router, the listener.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use app::server::realtime::{self, Hub};
use app::server::redis_store::RedisSessionStore;
use app::server::{db, maintenance, seed, staff, AppState, Config};
use app::{shell, App};
use axum::http::{HeaderName, HeaderValue};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::{middleware, Extension, Router};
use fred::prelude::{Builder, ClientLike, Config as RedisConfig};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions_sqlx_store::PostgresStore;

use crate::realtime::access::AccessWatch;
use crate::security_headers::PageNonce;
use crate::{
    csrf, error_status, form_errors, images, login, request_guard, security_headers, sessions,
    staff_gate,
};

/// A bound, ready-to-serve Tandem server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Connects to Postgres and Redis, migrates, seeds when asked, and binds the address
    /// from `leptos_options.site_addr` (port 0 picks a free port, as tests do).
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
        let staff_store = sessions::staff_store(db.clone()).await?;
        let redis = connect_redis(&config.redis_url)
            .await
            .with_context(|| format!("connecting to Redis at {}", redact(&config.redis_url)))?;
        let hub = Hub::new();
        tokio::spawn(realtime::listener::run(
            config.database_url.clone(),
            hub.clone(),
        ));
        tokio::spawn(maintenance::run(db.clone(), std::future::pending()));
        let state = AppState {
            db,
            redis,
            config: Arc::new(config),
            hub,
            password_checks: staff::password_check_slots(),
        };
        let listener = TcpListener::bind(leptos_options.site_addr)
            .await
            .with_context(|| format!("binding {}", leptos_options.site_addr))?;
        let router = router(state.clone(), staff_store, leptos_options);
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    /// Where the server listens.
    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The shared state, for tests that want to look behind the HTTP interface.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        // No Nagle delay: live frames are small and must leave at once.
        let listener = self.listener.tap_io(|stream| {
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY");
            }
        });
        axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await?;
        Ok(())
    }
}

/// All routes and layers.
pub fn router(
    state: AppState,
    staff_store: PostgresStore,
    leptos_options: LeptosOptions,
) -> Router {
    let routes = generate_route_list(App);
    let shopper_sessions = sessions::shopper_layer(
        RedisSessionStore::new(state.redis.clone(), &state.config.redis_key_prefix),
        state.config.secure_cookies(),
    );
    let staff_sessions = sessions::staff_layer(staff_store, &state.config);
    let context_state = state.clone();
    let fanout = crate::realtime::fanout::Fanout::start(&state.hub, state.config.ws_fanout_threads)
        .expect("starting the websocket fan-out threads");
    let access = AccessWatch::start(state.clone(), std::future::pending());
    Router::new()
        .route("/images/products/{file}", get(images::product_image))
        .route("/health", get(|| async { "ok" }))
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
        .layer(middleware::from_fn(form_errors::keep_errors_in_the_session))
        .layer(middleware::from_fn(error_status::set_error_status))
        .layer(middleware::from_fn(staff_gate::check_staff))
        .layer(middleware::from_fn(sessions::expose_shopper_session))
        .layer(shopper_sessions)
        .layer(middleware::from_fn(sessions::expose_staff_session))
        .layer(staff_sessions)
        .layer(middleware::from_fn(sessions::mirror_staff_cookie))
        .layer(Extension(state.clone()))
        .layer(Extension(fanout))
        .layer(Extension(access))
        .layer(middleware::from_fn_with_state(
            state.config.clone(),
            csrf::refuse_cross_site,
        ))
        .layer(middleware::from_fn(
            request_guard::refuse_control_characters,
        ))
        .layer(middleware::from_fn(security_headers::add_security_headers))
        .layer(CompressionLayer::new())
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
fn provide_page_nonce() {
    let nonce = leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageNonce>().cloned());
    if let Some(PageNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

async fn connect_redis(url: &str) -> anyhow::Result<fred::clients::Pool> {
    let config = RedisConfig::from_url(url)?;
    let pool = Builder::from_config(config).build_pool(4)?;
    pool.init().await?;
    Ok(pool)
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://…{}", &url[..scheme], &url[at..]),
        _ => url.to_string(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
