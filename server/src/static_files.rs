//! The built site's files under `/pkg` (wasm, js, css), sent as they were compressed at
//! build time (brotli at its highest quality, gzip -9: `scripts/lib.sh` `build_release`).
//!
//! A file whose name carries a content hash (`tandem.3f9c….wasm`, from cargo-leptos
//! `hash-files`) never changes under that name: browsers and proxies may keep it for a year
//! without asking again. Any other file is revalidated on each use.

use std::path::PathBuf;

use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, VARY};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;

/// Serves `dir` (the site's `pkg` directory, mounted at `/{pkg_dir}`), precompressed files
/// first. The unhashed stylesheet name (`{output_name}.css`) redirects to the current
/// hashed one, for pages that cannot know the hash (`trunk serve`'s index.html).
pub fn pkg(dir: &str, pkg_dir: &str, output_name: &str) -> Router {
    let stylesheets = Stylesheets {
        dir: dir.into(),
        url_prefix: format!("/{pkg_dir}/"),
        output_name: output_name.into(),
    };
    Router::new()
        .route(
            &format!("/{output_name}.css"),
            get(move || current_stylesheet(stylesheets.clone())),
        )
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(middleware::from_fn(set_caching))
}

#[derive(Clone)]
struct Stylesheets {
    dir: PathBuf,
    url_prefix: String,
    output_name: String,
}

async fn current_stylesheet(stylesheets: Stylesheets) -> Response {
    let prefix = format!("{}.", stylesheets.output_name);
    let newest = std::fs::read_dir(&stylesheets.dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let hashed =
                name.starts_with(&prefix) && name.ends_with(".css") && has_content_hash(&name);
            let modified = entry.metadata().ok()?.modified().ok()?;
            hashed.then_some((modified, name))
        })
        .max();
    match newest {
        Some((_, name)) => {
            Redirect::temporary(&format!("{}{name}", stylesheets.url_prefix)).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn set_caching(request: Request, next: Next) -> Response {
    let immutable = has_content_hash(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() {
        let caching = if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static(caching));
        // The same name is sent as brotli, gzip or plain: a shared cache must keep each apart.
        headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// `name.<hash>.ext`: a middle part of at least 8 letters and digits.
fn has_content_hash(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let parts: Vec<&str> = file.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1].iter().any(|part| {
            part.len() >= 8
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    async fn get(router: &Router, path: &str) -> Response {
        let request = Request::builder()
            .uri(path)
            .header("accept-encoding", "gzip, deflate, br, zstd")
            .body(Body::empty())
            .unwrap();
        router.clone().oneshot(request).await.unwrap()
    }

    #[tokio::test]
    async fn hashed_files_are_sent_precompressed_and_immutable_and_the_plain_stylesheet_name_finds_the_current_one(
    ) {
        let dir = std::env::temp_dir().join(format!("tandem-pkg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("tandem.Kx3b9QzP1a.css"), "body{}").unwrap();
        std::fs::write(dir.join("tandem.Kx3b9QzP1a.css.br"), "compressed").unwrap();
        std::fs::write(dir.join("loader.js"), "//").unwrap();
        let router = pkg(dir.to_str().unwrap(), "pkg", "tandem");

        let stylesheet = get(&router, "/tandem.Kx3b9QzP1a.css").await;
        assert_eq!(stylesheet.status(), StatusCode::OK);
        assert_eq!(stylesheet.headers()["content-encoding"], "br");
        assert_eq!(
            stylesheet.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(stylesheet.headers()["vary"], "accept-encoding");
        let plain = get(&router, "/loader.js").await;
        assert_eq!(plain.headers()["cache-control"], "no-cache");
        let alias = get(&router, "/tandem.css").await;
        assert_eq!(alias.status(), StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(alias.headers()["location"], "/pkg/tandem.Kx3b9QzP1a.css");
        assert_eq!(
            get(&router, "/missing.js").await.status(),
            StatusCode::NOT_FOUND
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_files_named_with_a_content_hash_are_immutable() {
        assert!(has_content_hash("/tandem.Kx3b9QzP1a.wasm"));
        assert!(has_content_hash("/tandem.Kx3b9QzP1a.css"));
        assert!(!has_content_hash("/tandem.wasm"));
        assert!(!has_content_hash("/tandem_bg.wasm"));
        assert!(!has_content_hash("/a.b.css"));
    }
}
