//! A page that has not finished rendering by its deadline is cut off and logged.
//!
//! A page render waits on its data (resources, database, Redis). If one of those waits
//! never ends, the browser would hold a half-sent page open forever, and every visitor
//! waiting for the same kept page (`page_cache`) would wait with it. Past the deadline the
//! answer is a 503 (nothing sent yet) or an aborted connection (part sent), the operator
//! gets one error naming the address, and the page cache forgets the page.
//!
//! Only pages are limited: every GET or HEAD outside the server functions (`/api`,
//! `/admin/api`, whose own timeouts apply), the event streams (`/events`, and the shopper's
//! `/api/cart/live`, which live as long as their visitor) and static files. Which request is
//! a page goes by its address, not its `Accept` header: the page cache renders a page once
//! for everyone waiting, with the headers of whoever came first.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use tokio::time::{timeout_at, Instant};

/// How long a page may take, from the request to its last byte, in production.
pub const PAGE_DEADLINE: Duration = Duration::from_secs(20);

/// Why a page's body was ended early.
#[derive(Debug, thiserror::Error)]
#[error("the page did not finish rendering in time")]
struct PageTooSlow;

/// Paths that are not pages.
const NOT_PAGES: [&str; 5] = ["/api/", "/admin/api/", "/events/", "/pkg/", "/images/"];

/// Middleware: limits page requests to `deadline`.
pub async fn cut_off_stalled_pages(
    State(deadline): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let is_page_request = matches!(*request.method(), Method::GET | Method::HEAD)
        && !NOT_PAGES.iter().any(|prefix| path.starts_with(prefix));
    if !is_page_request {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    let ends = Instant::now() + deadline;
    let Ok(response) = timeout_at(ends, next.run(request)).await else {
        tracing::error!(%path, ?deadline, "a page did not start within its deadline");
        return try_again_soon();
    };
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if !is_html {
        return response;
    }
    let (parts, body) = response.into_parts();
    let chunks = futures::stream::unfold(Some(body.into_data_stream()), move |chunks| {
        let path = path.clone();
        async move {
            let mut chunks = chunks?;
            match timeout_at(ends, chunks.next()).await {
                Ok(Some(Ok(bytes))) => Some((Ok(bytes), Some(chunks))),
                Ok(Some(Err(error))) => Some((Err(error.into_inner()), None)),
                Ok(None) => None,
                Err(_) => {
                    tracing::error!(%path, ?deadline, "a page did not finish within its deadline; cut off");
                    Some((Err(axum::BoxError::from(PageTooSlow)), None))
                }
            }
        }
    });
    // Fused: a body may be polled once more after it ended (the compression layer does).
    Response::from_parts(parts, Body::from_stream(chunks.fuse()))
}

/// A 503 asking to try again in a moment: a page that could not be rendered in time.
pub fn try_again_soon() -> Response {
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        "This page is taking too long. Please try again in a moment.",
    )
        .into_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    const DEADLINE: Duration = Duration::from_millis(200);

    fn app() -> Router {
        let never = || async {
            let parts = futures::stream::iter([Ok::<_, std::io::Error>("<html><body>start")])
                .chain(futures::stream::pending());
            (
                [(CONTENT_TYPE, "text/html; charset=utf-8")],
                Body::from_stream(parts),
            )
        };
        let stream = || async {
            let parts = futures::stream::pending::<Result<&'static str, std::io::Error>>();
            (
                [(CONTENT_TYPE, "text/event-stream")],
                Body::from_stream(parts),
            )
        };
        Router::new()
            .route("/stalls-midway", get(never))
            .route(
                "/never-starts",
                get(|| async { std::future::pending::<&'static str>().await }),
            )
            .route(
                "/quick",
                get(|| async { axum::response::Html("<p>done</p>") }),
            )
            .route("/events/io", get(stream))
            .layer(axum::middleware::from_fn_with_state(
                DEADLINE,
                cut_off_stalled_pages,
            ))
    }

    /// A page request as a bot sends it: no `Accept` header at all.
    fn page(path: &str) -> Request {
        Request::get(path).body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn a_page_that_never_starts_is_answered_with_a_503_after_its_deadline() {
        let response = app().oneshot(page("/never-starts")).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[RETRY_AFTER], "5");
    }

    #[tokio::test]
    async fn a_page_that_stalls_midway_is_cut_off_at_its_deadline() {
        let response = app().oneshot(page("/stalls-midway")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let read = tokio::time::timeout(
            Duration::from_secs(5),
            axum::body::to_bytes(response.into_body(), usize::MAX),
        )
        .await
        .expect("the body ends by the deadline");
        assert!(
            read.is_err(),
            "a cut-off page ends with an error, not as if whole"
        );
    }

    #[tokio::test]
    async fn a_quick_page_arrives_whole() {
        let response = app().oneshot(page("/quick")).await.unwrap();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(&body[..], b"<p>done</p>");
    }

    #[tokio::test]
    async fn an_event_stream_is_not_limited() {
        let request = Request::get("/events/io")
            .header("accept", "text/event-stream")
            .body(Body::empty())
            .unwrap();
        let response = app().oneshot(request).await.unwrap();
        let read = tokio::time::timeout(
            DEADLINE * 3,
            axum::body::to_bytes(response.into_body(), usize::MAX),
        )
        .await;
        assert!(read.is_err(), "still open past the page deadline");
    }
}
