//! `POST /admin/login` and `POST /admin/logout`: plain HTML form posts, answered with a
//! redirect (and the staff session cookie), so signing in works without JavaScript.

use std::net::{IpAddr, SocketAddr};

use app::error::AppError;
use app::server::login_limit::{LoginClient, DEVICE_COOKIE, DEVICE_TRUST_SECS};
use app::server::staff::{self, LoginOutcome, StaffSession};
use app::server::{AppState, Config};
use axum::extract::rejection::FormRejection;
use axum::extract::ConnectInfo;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
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

/// Checks the credentials; on success rotates the session id, marks the browser as trusted
/// for later sign-ins (see `login_limit`) and redirects into the admin.
pub async fn log_in(
    Extension(state): Extension<AppState>,
    Extension(session): Extension<StaffSession>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return Redirect::to("/admin/login?error=form").into_response();
    };
    let client = LoginClient {
        address: client_address(peer, &headers, &state.config),
        device_token: cookie(&headers, DEVICE_COOKIE),
    };
    match staff::log_in(&state, &session.0, &form.username, &form.password, &client).await {
        Ok(LoginOutcome::SignedIn { device_token, .. }) => {
            let mut response = Redirect::to(safe_next(&form.next)).into_response();
            if let Some(token) = device_token {
                let secure = if state.config.secure_cookies() {
                    "; Secure"
                } else {
                    ""
                };
                let cookie = format!(
                    "{DEVICE_COOKIE}={token}; Path=/admin/login; Max-Age={DEVICE_TRUST_SECS}; HttpOnly; SameSite=Strict{secure}"
                );
                if let Ok(value) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(SET_COOKIE, value);
                }
            }
            response
        }
        Ok(LoginOutcome::Refused) => Redirect::to("/admin/login?error=invalid").into_response(),
        Ok(LoginOutcome::RateLimited) | Err(AppError::RateLimited) => {
            Redirect::to("/admin/login?error=locked").into_response()
        }
        Err(_) => Redirect::to("/admin/login?error=unavailable").into_response(),
    }
}

/// Ends the staff session (and closes its live sockets).
pub async fn log_out(
    Extension(state): Extension<AppState>,
    Extension(session): Extension<StaffSession>,
) -> Redirect {
    match staff::log_out(&state, &session.0).await {
        Ok(()) => Redirect::to("/admin/login?notice=signed_out"),
        Err(_) => Redirect::to("/admin/login?error=unavailable"),
    }
}

/// The value of the cookie `name`, if the request has it.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

/// The peer address, or the address a trusted reverse proxy says it forwarded for.
fn client_address(peer: SocketAddr, headers: &HeaderMap, config: &Config) -> IpAddr {
    let forwarded = || {
        headers
            .get("x-real-ip")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<IpAddr>().ok())
    };
    if config.is_trusted_proxy(peer.ip()) {
        forwarded().unwrap_or(peer.ip())
    } else {
        peer.ip()
    }
}

/// Where to go after signing in: an admin page of this site as the form asked, else `/admin`.
/// Only plain printable ASCII is followed, so the value is always a valid `Location`.
fn safe_next(next: &str) -> &str {
    let is_admin_path = next == "/admin" || next.starts_with("/admin/");
    let printable = next.len() <= 500 && next.bytes().all(|b| b.is_ascii_graphic());
    if is_admin_path
        && printable
        && !next.starts_with("//")
        && !next.contains("://")
        && !next.contains('\\')
        && !next.contains("/..")
    {
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
        assert_eq!(safe_next("/admin/\r\nSet-Cookie: x=1"), "/admin");
        assert_eq!(safe_next("/admin/\0"), "/admin");
        assert_eq!(safe_next("/admin/../cart"), "/admin");
        assert_eq!(safe_next(&format!("/admin/{}", "x".repeat(600))), "/admin");
    }
}
