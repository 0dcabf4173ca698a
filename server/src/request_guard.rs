//! Refuses addresses carrying control characters (NUL, CR/LF, ...) in their path or query,
//! percent-encoded or not, before any page or function sees them: no field of this site
//! takes such characters, and Postgres would refuse a NUL with an error.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Middleware answering 400 to such addresses.
pub async fn refuse_control_characters(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let odd = has_control_characters(uri.path())
        || uri
            .query()
            .is_some_and(|query| has_control_characters(&query.replace('+', " ")));
    if odd {
        return (
            StatusCode::BAD_REQUEST,
            "The address contains characters that cannot be used (control characters such as NUL or line breaks).",
        )
            .into_response();
    }
    next.run(request).await
}

/// Whether `text`, percent-decoded, holds a control character.
fn has_control_characters(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let byte = if bytes[i] == b'%' && i + 3 <= bytes.len() {
            match std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            {
                Some(decoded) => {
                    i += 2;
                    decoded
                }
                None => bytes[i],
            }
        } else {
            bytes[i]
        };
        if byte < 0x20 || byte == 0x7f {
            return true;
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::has_control_characters;

    #[test]
    fn encoded_and_raw_control_characters_are_found() {
        for odd in ["/products/%00", "/a%0d%0Ab", "category=%7F", "/x%1f"] {
            assert!(has_control_characters(odd), "{odd}");
        }
        for fine in [
            "/products/helmet-aero",
            "category=Bikes%20%26%20More",
            "%",
            "a%2",
            "%zz",
        ] {
            assert!(!has_control_characters(fine), "{fine}");
        }
    }
}
