//! Plain HTML form posts (no JavaScript) are answered with a redirect back to the page they
//! came from, and what happened is kept for that page as a one-time notice in the shopper's
//! session (`flash`). On failure server_fn puts the error in the redirect's URL; the server's
//! `form_errors` layer moves it into the session the same way, so no notice is ever read
//! from a URL.

use http::header::{ACCEPT, REFERER};
use http::request::Parts;
use leptos::prelude::use_context;

use crate::model::notice::Notice;

/// Query parameters earlier versions and server_fn put on the page URL; dropped.
const TRANSIENT_PARAMS: [&str; 3] = ["notice", "__err", "__path"];

/// For a form post, keeps `message` for the posting page and redirects back to it.
/// Calls from the hydrated client (which read the JSON answer) are left alone.
pub async fn confirm(message: &str) {
    let Some(referer) = plain_form_post() else {
        return;
    };
    super::flash::put_current(&Notice::Done(message.to_string())).await;
    leptos_axum::redirect(&back_to(&referer));
}

/// For a form post that added `product_id` (named `name`), keeps the notice for the page it
/// came from and redirects back to that product's form (`#add-<id>`), so a shopper who added
/// from halfway down the catalog lands where they were, with the answer beside the button.
pub async fn confirm_added(product_id: i64, name: &str) {
    let Some(referer) = plain_form_post() else {
        return;
    };
    let notice = Notice::Added {
        product_id,
        name: name.to_string(),
    };
    super::flash::put_current(&notice).await;
    leptos_axum::redirect(&format!("{}#add-{product_id}", back_to(&referer)));
}

/// For a form post, keeps `message` for the page at `path` and redirects there.
pub async fn confirm_to(path: &str, message: &str) {
    if plain_form_post().is_some() {
        super::flash::put_current(&Notice::Done(message.to_string())).await;
        leptos_axum::redirect(path);
    }
}

/// For a form post, redirects to `path` (a page of this site); the hydrated client navigates
/// by itself.
pub fn redirect_to(path: &str) {
    if plain_form_post().is_some() {
        leptos_axum::redirect(path);
    }
}

/// The posting page's address, when the request is a plain HTML form post (the browser
/// wants a page back), not a call from the hydrated client.
fn plain_form_post() -> Option<String> {
    let parts = use_context::<Parts>()?;
    let accepts_html = parts
        .headers
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("text/html"));
    let referer = parts
        .headers
        .get(REFERER)
        .and_then(|value| value.to_str().ok())?;
    accepts_html.then(|| referer.to_string())
}

/// The referer's own path and query (never another host), without transient parameters.
pub fn back_to(referer: &str) -> String {
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path_and_query = after_scheme
        .find('/')
        .map_or("/", |slash| &after_scheme[slash..]);
    let path_and_query = path_and_query.split('#').next().unwrap_or("/");
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            !TRANSIENT_PARAMS.contains(&name)
        })
        .collect();
    // `//evil.example` would be read by browsers as another host.
    let path = if path.starts_with("//") { "/" } else { path };
    if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::back_to;

    #[test]
    fn the_redirect_goes_back_to_the_same_page_without_transient_parameters() {
        assert_eq!(
            back_to("http://shop.test/?category=Bikes&notice=removed&__err=x&__path=y"),
            "/?category=Bikes"
        );
        assert_eq!(back_to("http://shop.test/cart"), "/cart");
        assert_eq!(back_to("http://shop.test"), "/");
    }

    #[test]
    fn a_referer_cannot_send_the_browser_to_another_host() {
        assert_eq!(back_to("http://shop.test//evil.example/x"), "/");
    }
}
