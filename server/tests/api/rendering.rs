//! Rendering pages to the end, however many servers share one process.
//!
//! Leptos learns an app's routes by running it once with resource loading suppressed, and
//! that suppression is one flag for the whole process: a page whose data was first asked
//! for in that moment waited forever. These tests start servers while others render.

use std::time::Duration;

use crate::helpers::{spawn_app, spawn_app_on};

/// A page rendered for each request: the session cookie names no session, so the page shows
/// no cart and the page cache keeps nothing for it.
async fn render_fresh(client: &reqwest::Client, base: &str, path: &str) -> u16 {
    let request = client
        .get(format!("{base}{path}"))
        .header("accept", "text/html")
        .header("cookie", "tandem_session=no-such-session")
        .send();
    let response = tokio::time::timeout(Duration::from_secs(15), request)
        .await
        .unwrap_or_else(|_| panic!("no answer to {path} within 15 s"))
        .expect("page request");
    let status = response.status().as_u16();
    tokio::time::timeout(Duration::from_secs(15), response.text())
        .await
        .unwrap_or_else(|_| panic!("{path} started but never finished within 15 s"))
        .expect("page body");
    status
}

// Several worker threads, as in production and as when tests run side by side: on one
// thread route learning and rendering could never overlap.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_render_to_the_end_while_more_servers_start_in_the_same_process() {
    let app = spawn_app().await;
    let stop = tokio_util::sync::CancellationToken::new();
    let mut renderers = Vec::new();
    for worker in 0..4 {
        let base = app.url("");
        let client = app.cookieless.clone();
        let stop = stop.clone();
        renderers.push(tokio::spawn(async move {
            let mut rendered = 0u32;
            while !stop.is_cancelled() {
                let path = match rendered % 3 {
                    0 => format!("/?category=Made-up-{worker}-{rendered}"),
                    1 => "/products/helmet-aero".to_string(),
                    _ => "/".to_string(),
                };
                assert_eq!(render_fresh(&client, &base, &path).await, 200, "{path}");
                rendered += 1;
            }
            rendered
        }));
    }
    // Each of these servers learns its routes while the first one is busy rendering.
    for _ in 0..16 {
        let other = spawn_app_on(&app).await;
        other.state.shutdown.cancel();
    }
    stop.cancel();
    for renderer in renderers {
        let rendered = renderer.await.expect("renderer");
        assert!(rendered > 0, "every renderer rendered pages");
    }
}
