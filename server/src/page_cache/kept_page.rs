//! A rendered page as it is kept: its headers, and its bytes in each encoding it is sent in,
//! each with its own strong ETag.

use app::components::response_status::{NOT_SHAREABLE_HEADER, PAGE_CART_HEADER};
use axum::body::Body;
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_SECURITY_POLICY,
    CONTENT_TYPE, DATE, ETAG, SET_COOKIE, TRANSFER_ENCODING, VARY,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::CACHE_STATUS_HEADER;
use crate::security_headers;

/// A rendered page is read whole into memory; one larger than this is an error (catalog
/// pages are tens of kilobytes).
const MAX_PAGE_BYTES: usize = 16 << 20;
/// Shared caches (a CDN, a proxy) may keep an anonymous page this long; browsers revalidate.
const SHARED_CACHE_CONTROL: &str = "public, max-age=0, s-maxage=5";
/// A shopper's own page: their browser may keep it but must ask again; nobody else keeps it.
const PRIVATE_CACHE_CONTROL: &str = "private, no-cache";

/// Who a page is kept for decides how hard it is compressed and who else may keep it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sharing {
    /// The same bytes for every anonymous visitor: compressed hard, once per catalog change.
    Everyone,
    /// One shopper's page: compressed quickly (it is kept for seconds, for one browser).
    OneVisitor,
}

/// One rendered page, in each encoding it is sent in, each with its own strong ETag.
pub(super) struct CachedPage {
    headers: HeaderMap,
    etag: String,
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
    cache_control: &'static str,
    /// The cart the page shows, whose changes make it stale.
    pub(super) cart: Option<i64>,
}

/// Reads a rendered answer into a page that can be kept, or gives it back (with its CSP
/// filled in) when it cannot be.
pub(super) async fn capture(answer: Response, sharing: Sharing) -> Result<CachedPage, Response> {
    let (mut parts, body) = answer.into_parts();
    let is_html = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if !is_html || parts.headers.contains_key(CONTENT_ENCODING) {
        return Err(Response::from_parts(parts, body));
    }
    let identity = match axum::body::to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) => {
            // Already logged where it broke off (a render cut off at its deadline).
            tracing::warn!(%error, "reading a rendered page for the cache");
            return Err(crate::render_deadline::try_again_soon());
        }
    };
    let policy = security_headers::policy_for_inline_scripts(&identity);
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        parts.headers.insert(CONTENT_SECURITY_POLICY, policy);
    }
    let not_shareable = parts.headers.remove(NOT_SHAREABLE_HEADER).is_some();
    let cart = parts
        .headers
        .remove(PAGE_CART_HEADER)
        .and_then(|value| value.to_str().ok()?.parse::<i64>().ok());
    // A page for everyone never shows a cart (if one did, it would be somebody's); a
    // shopper's page is kept only when it shows their cart, whose changes it follows (a
    // made-up session or cart cookie finds none, so it cannot fill the room with pages).
    let audience_fits = cart.is_some() == (sharing == Sharing::OneVisitor);
    let keep = parts.status == StatusCode::OK
        && !not_shareable
        && !parts.headers.contains_key(SET_COOKIE)
        && audience_fits;
    if !keep {
        // Not for a shared cache either.
        parts.headers.insert(
            CACHE_CONTROL,
            HeaderValue::from_static(PRIVATE_CACHE_CONTROL),
        );
        return Err(Response::from_parts(parts, Body::from(identity)));
    }
    let mut headers = parts.headers;
    for transient in [CONTENT_LENGTH, DATE, TRANSFER_ENCODING, VARY, CACHE_CONTROL] {
        headers.remove(transient);
    }
    let cache_control = match sharing {
        Sharing::Everyone => SHARED_CACHE_CONTROL,
        Sharing::OneVisitor => PRIVATE_CACHE_CONTROL,
    };
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache_control));
    headers.insert(VARY, HeaderValue::from_static("accept-encoding, cookie"));
    let etag = security_headers::digest_hex(&identity);
    headers.remove(ETAG);
    let compressed = identity.clone();
    let (gzip, brotli) = tokio::task::spawn_blocking(move || {
        (gzip(&compressed, sharing), brotli(&compressed, sharing))
    })
    .await
    .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())?;
    Ok(CachedPage {
        headers,
        etag,
        identity,
        gzip,
        brotli,
        cache_control,
        cart,
    })
}

fn gzip(bytes: &[u8], sharing: Sharing) -> Bytes {
    use std::io::Write;
    let level = match sharing {
        Sharing::Everyone => flate2::Compression::best(),
        Sharing::OneVisitor => flate2::Compression::default(),
    };
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
    encoder.write_all(bytes).expect("writing to memory");
    Bytes::from(encoder.finish().expect("writing to memory"))
}

fn brotli(bytes: &[u8], sharing: Sharing) -> Bytes {
    // For everyone, quality 9: nearly the size of 11 at a small part of its time (a page is
    // compressed again after every catalog change). For one shopper, 5: about what the
    // compression layer spends on a page it renders anyway.
    // The window only needs to span the page: a larger one costs memory, not bytes.
    let (quality, lgwin) = match sharing {
        Sharing::Everyone => (9, 20),
        Sharing::OneVisitor => (5, 18),
    };
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        lgwin,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("writing to memory");
    Bytes::from(out)
}

/// The encodings a page is kept in.
#[derive(Clone, Copy)]
pub(super) enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// Brotli when accepted, else gzip, else none (`q=0` excludes).
    pub(super) fn preferred(headers: &HeaderMap) -> Self {
        let accepted = |name: &str| {
            headers
                .get_all(ACCEPT_ENCODING)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .any(|item| {
                    let mut parts = item.split(';');
                    let coding = parts.next().unwrap_or("").trim();
                    let refused = parts.any(|param| {
                        let param = param.trim().replace(' ', "");
                        param == "q=0"
                            || param == "q=0.0"
                            || param == "q=0.00"
                            || param == "q=0.000"
                    });
                    coding.eq_ignore_ascii_case(name) && !refused
                })
        };
        if accepted("br") {
            Encoding::Brotli
        } else if accepted("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }
}

impl CachedPage {
    /// The page as sent in `encoding`, or a 304 when `if_none_match` names it; `status`
    /// says whether it came from memory (`None`: it was not kept).
    pub(super) fn answer(
        &self,
        encoding: Encoding,
        if_none_match: Option<&HeaderValue>,
        status: Option<&'static str>,
    ) -> Response {
        let (body, coding, suffix) = match encoding {
            Encoding::Brotli => (&self.brotli, Some("br"), "-br"),
            Encoding::Gzip => (&self.gzip, Some("gzip"), "-gz"),
            Encoding::Identity => (&self.identity, None, ""),
        };
        // A strong validator per representation: each encoding is different bytes.
        let etag = HeaderValue::from_str(&format!("\"{}{suffix}\"", self.etag))
            .expect("hex is a valid header value");
        let mut response = if if_none_match.is_some_and(|tags| etag_matches(tags, &etag)) {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            let headers = response.headers_mut();
            headers.insert(CACHE_CONTROL, HeaderValue::from_static(self.cache_control));
            headers.insert(VARY, HeaderValue::from_static("accept-encoding, cookie"));
            response
        } else {
            let mut response = Response::new(Body::from(body.clone()));
            *response.headers_mut() = self.headers.clone();
            if let Some(coding) = coding {
                response
                    .headers_mut()
                    .insert(CONTENT_ENCODING, HeaderValue::from_static(coding));
            }
            response
        };
        let headers = response.headers_mut();
        headers.insert(ETAG, etag);
        if let Some(status) = status {
            headers.insert(
                HeaderName::from_static(CACHE_STATUS_HEADER),
                HeaderValue::from_static(status),
            );
        }
        response
    }
}

fn etag_matches(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(tags) = if_none_match.to_str() else {
        return false;
    };
    let ours = etag.to_str().unwrap_or_default();
    tags.split(',')
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brotli_is_preferred_and_a_refused_encoding_is_not_used() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(ACCEPT_ENCODING, HeaderValue::from_static(value));
            Encoding::preferred(&headers)
        };
        assert!(matches!(with("gzip, deflate, br, zstd"), Encoding::Brotli));
        assert!(matches!(with("br;q=0, gzip"), Encoding::Gzip));
        assert!(matches!(with("identity"), Encoding::Identity));
        assert!(matches!(
            Encoding::preferred(&HeaderMap::new()),
            Encoding::Identity
        ));
    }

    #[test]
    fn an_etag_matches_itself_weakly_or_in_a_list() {
        let ours = HeaderValue::from_static("\"abc\"");
        assert!(etag_matches(
            &HeaderValue::from_static("\"x\", W/\"abc\""),
            &ours
        ));
        assert!(etag_matches(&HeaderValue::from_static("*"), &ours));
        assert!(!etag_matches(&HeaderValue::from_static("\"abd\""), &ours));
    }
}
