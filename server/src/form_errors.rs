//! When a plain form post (no JavaScript) to a server function fails, server_fn redirects back
//! with the error encoded in the URL (`__path`, `__err`). A page reading errors from its URL
//! would show any text an attacker puts in a link as a store alert, so this layer moves the
//! error into the shopper's session as a one-time notice (`app::server::flash`) and takes it
//! off the URL. Pages never read errors from their address.

use app::error::AppError;
use app::model::notice::Notice;
use app::server::flash;
use app::server::form_post::back_to;
use app::server::shopper::ShopperSession;
use axum::extract::Request;
use axum::http::header::{LOCATION, REFERER};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use leptos::server_fn::error::ServerFnUrlError;

/// Middleware for the shopper's server functions (`/api/*`).
pub async fn keep_errors_in_the_session(mut request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    // server_fn appends its error to the Referer: one planted there by a link the shopper
    // followed must not come back as if it were the store's.
    if let Some(cleaned) = request
        .headers()
        .get(REFERER)
        .and_then(|value| value.to_str().ok())
        .filter(|referer| referer.contains("__err") || referer.contains("__path"))
        .and_then(|referer| {
            let origin_end = referer
                .find("://")
                .and_then(|scheme| {
                    referer[scheme + 3..]
                        .find('/')
                        .map(|slash| scheme + 3 + slash)
                })
                .unwrap_or(referer.len());
            HeaderValue::from_str(&format!("{}{}", &referer[..origin_end], back_to(referer))).ok()
        })
    {
        request.headers_mut().insert(REFERER, cleaned);
    }
    let session = request.extensions().get::<ShopperSession>().cloned();
    let mut response = next.run(request).await;
    if !response.status().is_redirection() {
        return response;
    }
    let Some(location) = response
        .headers()
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
        .filter(|location| location.contains("__err="))
        .map(str::to_owned)
    else {
        return response;
    };
    if let (Some(session), Some(error)) = (session, encoded_error(&location)) {
        flash::put(&session.0, &Notice::Failed(error)).await;
    }
    if let Ok(cleaned) = HeaderValue::from_str(&back_to(&location)) {
        response.headers_mut().insert(LOCATION, cleaned);
    }
    response
}

/// The error server_fn encoded into a redirect's query (it appends its own last).
fn encoded_error(location: &str) -> Option<AppError> {
    let query = location.split_once('?')?.1;
    let encoded = query
        .rsplit('&')
        .find_map(|pair| pair.strip_prefix("__err="))?;
    let encoded = percent_decode(encoded);
    Some(ServerFnUrlError::<AppError>::decode_err(&encoded))
}

/// Undoes the query encoding of the base64 error (`%3D` for `=`, and the like).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%' && i + 3 <= bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match decoded {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_server_fn_put_in_the_url_is_read_back() {
        let url = ServerFnUrlError::new("/api/cart/add", AppError::Invalid("Too many.".into()))
            .to_url("http://shop.test/cart?x=1")
            .unwrap();
        assert_eq!(
            encoded_error(url.as_str()),
            Some(AppError::Invalid("Too many.".into()))
        );
        assert_eq!(back_to(url.as_str()), "/cart?x=1");
    }
}
