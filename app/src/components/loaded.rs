//! The one way a page's data is loaded: a [`Resource`] whose value the server's render
//! writes into the page as JSON and the browser reads back while hydrating.
//!
//! Leptos' default resource codec reads that JSON with `serde_json::from_str`, while a
//! server function's answer is read with `serde_json::from_slice`. The two readers are
//! different types, so every type a page shows both ways (the cart after an add and the
//! cart the page loaded, with all its lines, discounts and links) had its whole JSON
//! reader compiled twice into the shopper's wasm. [`JsonCodec`] reads with `from_slice`
//! too, so each type is read by one piece of code.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;

/// JSON in the page, read the way server functions read their answers.
pub struct JsonCodec;

impl<T: Serialize> Encoder<T> for JsonCodec {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonCodec {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(json: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(json.as_bytes())
    }
}

/// Data a page loads (see the module docs).
pub type Loaded<T> = Resource<T, JsonCodec>;

/// Loads `fetcher(source())`, again whenever `source` changes; like [`Resource::new`].
#[track_caller]
pub fn load<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    type PageValue = Result<Option<(i64, String)>, String>;

    /// What the page's script holds for a value: Leptos (`hydration_context`'s `ssr.rs`)
    /// replaces `<` with `\u003c` in the encoded text, then writes it as a Rust `{:?}` string.
    fn as_written_into_the_page(encoded: &str) -> String {
        format!("{:?}", encoded.replace('<', "\\u003c"))
    }

    /// The string a browser's JavaScript parser makes of that literal (the escapes `{:?}` uses).
    fn as_the_browser_reads_it(literal: &str) -> String {
        let inner = &literal[1..literal.len() - 1];
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next().unwrap() {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '0' => out.push('\0'),
                'u' => {
                    let hex: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                }
                other => out.push(other),
            }
        }
        out
    }

    #[test]
    fn what_is_written_into_the_page_reads_back_the_same() {
        let value: PageValue = Ok(Some((
            7,
            "Aero \"Road\"\n</script><b>\u{2028}\\u003c\0".into(),
        )));
        let encoded = <JsonCodec as Encoder<_>>::encode(&value).unwrap();
        let in_page = as_written_into_the_page(&encoded);
        assert!(
            !in_page.contains('<'),
            "a `<` in the page's script: {in_page}"
        );
        assert!(
            !in_page.contains('\u{2028}'),
            "a raw line separator in the page's script"
        );
        let back: PageValue =
            <JsonCodec as Decoder<_>>::decode(&as_the_browser_reads_it(&in_page)).unwrap();
        assert_eq!(back, value);
    }
}
