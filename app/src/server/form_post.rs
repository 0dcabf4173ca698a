//! Plain HTML form posts (no JavaScript) are answered with a redirect back to the page they
//! came from. On failure server_fn puts the error in that URL; this adds the success side,
//! so the page can also say what just happened ("Added to your cart.").

use http::header::{ACCEPT, REFERER};
use http::request::Parts;
use leptos::prelude::use_context;

/// Query parameters this module and server_fn put on the page URL; dropped before adding ours.
const TRANSIENT_PARAMS: [&str; 3] = ["notice", "__err", "__path"];

/// For a form post, redirects back to the posting page with `notice=<notice>`.
/// Calls from the hydrated client (which read the JSON answer) are left alone.
pub fn confirm(notice: &str) {
    let Some(parts) = use_context::<Parts>() else {
        return;
    };
    let accepts_html = parts
        .headers
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("text/html"));
    let referer = parts
        .headers
        .get(REFERER)
        .and_then(|value| value.to_str().ok());
    if let (true, Some(referer)) = (accepts_html, referer) {
        leptos_axum::redirect(&back_to(referer, notice));
    }
}

/// The referer's own path and query (never another host), with `notice` set.
fn back_to(referer: &str, notice: &str) -> String {
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path_and_query = after_scheme
        .find('/')
        .map_or("/", |slash| &after_scheme[slash..]);
    let path_and_query = path_and_query.split('#').next().unwrap_or("/");
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            !TRANSIENT_PARAMS.contains(&name)
        })
        .collect();
    let notice_pair = format!("notice={notice}");
    kept.push(&notice_pair);
    // `//evil.example` would be read by browsers as another host.
    let path = if path.starts_with("//") { "/" } else { path };
    format!("{path}?{}", kept.join("&"))
}

#[cfg(test)]
mod tests {
    use super::back_to;

    #[test]
    fn the_redirect_goes_back_to_the_same_page_with_the_notice() {
        assert_eq!(
            back_to(
                "http://shop.test/?category=Bikes&notice=removed&__err=x&__path=y",
                "added"
            ),
            "/?category=Bikes&notice=added"
        );
        assert_eq!(
            back_to("http://shop.test/cart", "updated"),
            "/cart?notice=updated"
        );
        assert_eq!(back_to("http://shop.test", "added"), "/?notice=added");
    }

    #[test]
    fn a_referer_cannot_send_the_browser_to_another_host() {
        assert_eq!(
            back_to("http://shop.test//evil.example/x", "added"),
            "/?notice=added"
        );
    }
}
