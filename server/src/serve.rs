//! Accepting connections and serving HTTP/1.1 on them, with the limits `axum::serve` does not
//! offer: a deadline for a request's headers (a client that sends half a request and waits is
//! dropped), a cap on open connections (websockets and event streams included: the cap's
//! permit lives as long as the socket, upgraded or not), and a graceful shutdown that stops
//! accepting, lets requests in flight finish within the grace period, and then returns.
//!
//! HTTP/2 is left to the reverse proxy in front (see `deploy/nginx.conf`).

use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// The transport limits.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// How long a client may take to send a request's headers.
    pub header_read_timeout: Duration,
    /// Open connections at most; more wait in the listen backlog until one closes.
    pub max_connections: usize,
    /// How long requests in flight may take to finish once shutdown begins.
    pub shutdown_grace: Duration,
}

/// Serves `router` on `listener` until `shutdown` is cancelled, then drains: stops
/// accepting, asks every connection to finish its request in flight and close, and waits up
/// to the grace period. Long-lived responses (websockets, event streams) hear the same token
/// and end themselves.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let connections = TaskTracker::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let builder = Arc::new(builder);
    loop {
        let permit = tokio::select! {
            () = shutdown.cancelled() => break,
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        let (stream, remote) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        // No Nagle delay: live frames are small and must leave at once.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
        let service =
            router
                .clone()
                .map_request(move |mut request: axum::http::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(remote));
                    request
                });
        let io = TokioIo::new(Permitted {
            stream,
            _permit: permit,
        });
        let builder = builder.clone();
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let mut connection = pin!(builder
                .serve_connection(io, TowerToHyperService::new(service))
                .with_upgrades());
            tokio::select! {
                result = connection.as_mut() => log_end(result, remote),
                () = shutdown.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    log_end(connection.await, remote);
                }
            }
        });
    }
    drop(listener);
    connections.close();
    if tokio::time::timeout(limits.shutdown_grace, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            left = connections.len(),
            "requests still in flight at the end of the grace period"
        );
    }
    Ok(())
}

fn log_end(result: Result<(), hyper::Error>, remote: SocketAddr) {
    if let Err(error) = result {
        // Timeouts on half-sent headers and clients going away end up here.
        tracing::debug!(%error, %remote, "connection ended with an error");
    }
}

/// A connection's socket with its place under the connection cap, released when the socket
/// is dropped (after an upgrade too: the upgraded connection owns this).
struct Permitted {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for Permitted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Permitted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn stop_signal() {
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
