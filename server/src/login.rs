//! `POST /admin/login` and `POST /admin/logout`: plain HTML form posts, answered with a
//! redirect (and the staff session cookie), so signing in works without JavaScript.

use std::net::{IpAddr, SocketAddr};

use app::server::staff::{self, LoginOutcome, StaffSession};
use app::server::AppState;
use axum::extract::rejection::FormRejection;
use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::response::Redirect;
use axum::{Extension, Form};
use serde::Deserialize;

/// The login form's fields.
#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    /// Where to go after signing in; only `/admin` pages are accepted.
    #[serde(default)]
    next: String,
}

/// Checks the credentials; on success rotates the session id and redirects into the admin.
pub async fn log_in(
    Extension(state): Extension<AppState>,
    Extension(session): Extension<StaffSession>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Redirect {
    let Ok(Form(form)) = form else {
        return Redirect::to("/admin/login?error=form");
    };
    let client = client_address(peer, &headers);
    match staff::log_in(&state, &session.0, &form.username, &form.password, client).await {
        Ok(LoginOutcome::SignedIn(_)) => Redirect::to(safe_next(&form.next)),
        Ok(LoginOutcome::Refused) => Redirect::to("/admin/login?error=invalid"),
        Ok(LoginOutcome::RateLimited) => Redirect::to("/admin/login?error=locked"),
        Err(_) => Redirect::to("/admin/login?error=unavailable"),
    }
}

/// Ends the staff session.
pub async fn log_out(Extension(session): Extension<StaffSession>) -> Redirect {
    match staff::log_out(&session.0).await {
        Ok(()) => Redirect::to("/admin/login?notice=signed_out"),
        Err(_) => Redirect::to("/admin/login?error=unavailable"),
    }
}

/// The peer address, or the address a reverse proxy on this host says it forwarded for.
fn client_address(peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    let forwarded = || {
        headers
            .get("x-real-ip")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<IpAddr>().ok())
    };
    if peer.ip().is_loopback() {
        forwarded().unwrap_or(peer.ip())
    } else {
        peer.ip()
    }
}

fn safe_next(next: &str) -> &str {
    let is_admin_path = next == "/admin" || next.starts_with("/admin/");
    if is_admin_path && !next.starts_with("//") && !next.contains("://") && !next.contains('\\') {
        next
    } else {
        "/admin"
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn after_login_only_admin_pages_are_followed() {
        assert_eq!(safe_next("/admin/carts/4"), "/admin/carts/4");
        assert_eq!(safe_next("https://evil.test/admin"), "/admin");
        assert_eq!(safe_next("//evil.test"), "/admin");
        assert_eq!(safe_next("/cart"), "/admin");
        assert_eq!(safe_next(""), "/admin");
    }
}
