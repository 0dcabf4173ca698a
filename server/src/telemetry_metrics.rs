//! Prometheus metrics (`metrics` + `metrics-exporter-prometheus`), served on their own
//! address (`APP_METRICS_ADDR`, off by default) so they never reach the public site.
//!
//! What is measured, and where:
//! - `tandem_live_sockets{kind="websocket"|"event_stream"}`: open live connections;
//! - `tandem_events_relayed_total`: cart events heard from Postgres and relayed;
//! - `tandem_resyncs_total{reason}`: resyncs sent (`listener_reconnected`, `lagged`);
//! - `tandem_slow_consumer_drops_total`: clients closed for not reading (1013);
//! - `tandem_listen_reconnects_total`: LISTEN connections lost and re-established;
//! - `tandem_server_fn_seconds{name,status}`: server-function latency (histogram);
//! - `tandem_login_failures_total`, `tandem_login_lockouts_total`.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// The process's recorder: one per process, shared by every server it runs (tests run many).
fn recorder() -> &'static Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let installed = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("tandem_server_fn_seconds".into()),
                &[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ],
            )
            .and_then(PrometheusBuilder::install_recorder);
        match installed {
            Ok(handle) => Some(handle),
            Err(error) => {
                tracing::error!(%error, "could not install the metrics recorder");
                None
            }
        }
    })
}

/// Serves `GET /metrics` on `addr` until `shutdown`; returns the bound address.
pub async fn serve(addr: SocketAddr, shutdown: CancellationToken) -> anyhow::Result<SocketAddr> {
    let Some(handle) = recorder().clone() else {
        anyhow::bail!("no metrics recorder");
    };
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = Router::new().route("/metrics", get(move || async move { handle.render() }));
    tokio::spawn(async move {
        let stopped = shutdown.cancelled_owned();
        if let Err(error) = axum::serve(listener, app)
            .with_graceful_shutdown(stopped)
            .await
        {
            tracing::warn!(%error, "the metrics endpoint stopped");
        }
    });
    tracing::info!(address = %bound, "metrics on /metrics");
    Ok(bound)
}

/// Middleware on server-function routes: a span per call naming the function, and its
/// latency by name and status.
pub async fn time_server_functions(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if !(path.starts_with("/api/") || path.starts_with("/admin/api/")) {
        return next.run(request).await;
    }
    let started = Instant::now();
    let span = tracing::info_span!("server_fn", name = %path);
    let response = next.run(request).instrument(span).await;
    metrics::histogram!(
        "tandem_server_fn_seconds",
        "name" => path,
        "status" => response.status().as_u16().to_string()
    )
    .record(started.elapsed().as_secs_f64());
    response
}
