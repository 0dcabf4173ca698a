//! Anonymous catalog and product pages: rendered once, served from memory, already
//! compressed, and dropped the moment the catalog changes.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::helpers::{call_with, spawn_app, TestApp};

/// A cookieless GET, as a bot or a first-time visitor sends it.
async fn anonymous(app: &TestApp, path: &str) -> reqwest::Response {
    // A render that never answers fails the test with its address instead of stalling the
    // run (renders used to hang when another test's server started: see rendering.rs).
    match tokio::time::timeout(
        std::time::Duration::from_secs(30),
        app.cookieless
            .get(app.url(path))
            .header("accept", "text/html")
            .send(),
    )
    .await
    {
        Ok(response) => response.unwrap(),
        Err(_) => panic!("no answer to {path} within 30 s"),
    }
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap())
}

/// A server whose catalog listener is up (it connects a moment after the server starts;
/// until then nothing is kept).
async fn spawn_listening_app() -> TestApp {
    let app = spawn_app().await;
    for _ in 0..300 {
        if app.state.hub.is_listening() {
            return app;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the catalog listener never connected");
}

/// Waits until this process has heard of a catalog change (the NOTIFY arrives on its own
/// connection, a moment after the commit).
async fn wait_for_catalog_change(app: &TestApp, since: u64) {
    for _ in 0..200 {
        if app.state.hub.catalog_epoch() != since {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the catalog change was never announced");
}

#[tokio::test]
async fn an_anonymous_catalog_is_rendered_once_and_then_served_from_memory() {
    let app = spawn_listening_app().await;
    let first = anonymous(&app, "/").await;
    assert_eq!(first.status(), 200);
    assert_eq!(header(&first, "x-tandem-page-cache"), Some("miss"));
    assert!(first.headers().get("set-cookie").is_none());
    let first_body = first.text().await.unwrap();
    let second = anonymous(&app, "/").await;
    assert_eq!(header(&second, "x-tandem-page-cache"), Some("hit"));
    assert_eq!(
        header(&second, "cache-control"),
        Some("public, max-age=0, s-maxage=5")
    );
    assert_eq!(header(&second, "vary"), Some("accept-encoding, cookie"));
    assert_eq!(header(&second, "x-content-type-options"), Some("nosniff"));
    assert_eq!(second.text().await.unwrap(), first_body);
}

#[tokio::test]
async fn a_head_request_first_does_not_leave_an_empty_page_behind() {
    let app = spawn_listening_app().await;
    let head = app
        .cookieless
        .clone()
        .head(app.url("/"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    let page = anonymous(&app, "/").await;
    assert_eq!(header(&page, "x-tandem-page-cache"), Some("hit"));
    assert!(page.text().await.unwrap().contains("Aero Road Helmet"));
}

#[tokio::test]
async fn a_kept_page_allows_exactly_its_own_inline_scripts_by_hash() {
    let app = spawn_listening_app().await;
    for path in ["/", "/products/helmet-aero"] {
        let response = anonymous(&app, path).await;
        let csp = header(&response, "content-security-policy")
            .unwrap()
            .to_string();
        let html = response.text().await.unwrap();
        assert!(!csp.contains("nonce"), "{csp}");
        let nonces: Vec<&str> = html
            .split("nonce=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap())
            .collect();
        assert!(
            nonces.iter().all(|nonce| nonce.is_empty()),
            "{path}: no nonce in a shared page: {nonces:?}"
        );
        assert!(csp.contains("script-src 'self' 'sha256-"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        let mut inline = 0;
        for piece in html.split("<script").skip(1) {
            let (attributes, rest) = piece.split_once('>').unwrap();
            if attributes.contains("src=") {
                continue;
            }
            let body = rest.split("</script>").next().unwrap();
            let hash = BASE64.encode(Sha256::digest(body.as_bytes()));
            assert!(csp.contains(&format!("'sha256-{hash}'")), "{path}: {body}");
            inline += 1;
        }
        assert!(inline > 0, "{path} has its hydration bootstrap inline");
    }
}

#[tokio::test]
async fn a_kept_page_is_sent_compressed_and_revalidated_with_its_etag() {
    let app = spawn_listening_app().await;
    let plain = anonymous(&app, "/").await;
    let etag = header(&plain, "etag").unwrap().to_string();
    let plain_length = plain.bytes().await.unwrap().len();
    let client = app.cookieless.clone();
    let brotli = client
        .get(app.url("/"))
        .header("accept-encoding", "gzip, deflate, br, zstd")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&brotli, "content-encoding"), Some("br"));
    let brotli_length = brotli.bytes().await.unwrap().len();
    assert!(
        brotli_length * 5 < plain_length,
        "{brotli_length} of {plain_length}"
    );
    let gzip = client
        .get(app.url("/"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&gzip, "content-encoding"), Some("gzip"));
    let unchanged = client
        .get(app.url("/"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), 304);
    assert_eq!(header(&unchanged, "etag"), Some(etag.as_str()));
}

#[tokio::test]
async fn a_price_change_made_in_the_database_is_visible_on_the_next_anonymous_catalog_request() {
    let app = spawn_listening_app().await;
    assert!(!anonymous(&app, "/")
        .await
        .text()
        .await
        .unwrap()
        .contains("$1,234.56"));
    assert_eq!(
        header(&anonymous(&app, "/").await, "x-tandem-page-cache"),
        Some("hit")
    );
    let epoch = app.state.hub.catalog_epoch();
    sqlx::query("update product set price_cents = 123456 where slug = 'helmet-aero'")
        .execute(&app.state.db)
        .await
        .unwrap();
    wait_for_catalog_change(&app, epoch).await;
    let next = anonymous(&app, "/").await;
    assert_eq!(header(&next, "x-tandem-page-cache"), Some("miss"));
    assert!(next.text().await.unwrap().contains("$1,234.56"));

    // Stock too: the last one sold elsewhere shows as out of stock on the next request.
    let epoch = app.state.hub.catalog_epoch();
    sqlx::query("update product set stock = 0 where slug = 'helmet-aero'")
        .execute(&app.state.db)
        .await
        .unwrap();
    wait_for_catalog_change(&app, epoch).await;
    let product = anonymous(&app, "/products/helmet-aero").await;
    assert!(product.text().await.unwrap().contains("Out of stock"));
}

#[tokio::test]
async fn emptying_the_product_table_is_visible_on_the_next_anonymous_catalog_request() {
    let app = spawn_listening_app().await;
    anonymous(&app, "/").await;
    assert_eq!(
        header(&anonymous(&app, "/").await, "x-tandem-page-cache"),
        Some("hit")
    );
    let epoch = app.state.hub.catalog_epoch();
    sqlx::query("truncate product cascade")
        .execute(&app.state.db)
        .await
        .unwrap();
    wait_for_catalog_change(&app, epoch).await;
    let next = anonymous(&app, "/").await;
    assert_eq!(header(&next, "x-tandem-page-cache"), Some("miss"));
    assert!(!next.text().await.unwrap().contains("helmet-aero"));
}

#[tokio::test]
async fn while_the_catalog_listener_is_down_every_anonymous_page_is_rendered_fresh() {
    let app = spawn_listening_app().await;
    anonymous(&app, "/").await;
    app.state.hub.set_listening(false);
    let response = anonymous(&app, "/").await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "x-tandem-page-cache"), None);
    app.state.hub.set_listening(true);
}

#[tokio::test]
async fn a_shopper_with_a_cart_gets_their_own_page_never_the_kept_one() {
    let app = spawn_listening_app().await;
    anonymous(&app, "/").await;
    let shopper = app.new_client();
    app.add_to_cart(&shopper, "socks-stripes", 2).await;
    let response = shopper
        .get(app.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    // Their own page (kept for them alone: see shopper_pages.rs), not the one for everyone.
    assert_eq!(header(&response, "x-tandem-page-cache"), Some("miss"));
    assert_eq!(
        header(&response, "cache-control"),
        Some("private, no-cache")
    );
    let html = response.text().await.unwrap();
    assert!(
        html.contains(r#"class="badge">2</span>"#),
        "the badge counts this shopper's cart"
    );
}

#[tokio::test]
async fn pages_that_are_not_the_same_for_everyone_are_not_kept() {
    let app = spawn_listening_app().await;
    for path in [
        "/cart",
        "/checkout",
        "/?utm_source=x",
        "/products/no-such-thing",
        "/admin/login",
    ] {
        anonymous(&app, path).await;
        let again = anonymous(&app, path).await;
        assert_eq!(header(&again, "x-tandem-page-cache"), None, "{path}");
    }
    let missing = anonymous(&app, "/products/no-such-thing").await;
    assert_eq!(missing.status(), 404);
    assert!(header(&missing, "content-security-policy").is_some());
}

/// The add forms' idempotency keys on one kept page, by product id.
fn request_ids(html: &str) -> Vec<(String, String)> {
    html.split(r#"name="product_id" value=""#)
        .skip(1)
        .map(|piece| {
            let product = piece.split('"').next().unwrap().to_string();
            let id = piece
                .split(r#"name="request_id" value=""#)
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap()
                .to_string();
            (product, id)
        })
        .collect()
}

#[tokio::test]
async fn two_products_added_from_one_kept_page_are_both_added_and_a_resubmission_once() {
    let app = spawn_listening_app().await;
    anonymous(&app, "/").await;
    let html = anonymous(&app, "/").await.text().await.unwrap();
    let forms = request_ids(&html);
    assert!(forms.len() > 2, "{forms:?}");
    let mut ids: Vec<&String> = forms.iter().map(|(_, id)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), forms.len(), "every form has its own key");

    let shopper = app.new_client();
    let add = |(product, id): &(String, String)| {
        let shopper = shopper.clone();
        let url = app.url("/api/cart/add");
        let (product, id) = (product.clone(), id.clone());
        async move {
            let (status, cart) = call_with(
                &shopper,
                &url,
                &[
                    ("product_id", &product),
                    ("quantity", "1"),
                    ("request_id", &id),
                ],
            )
            .await;
            assert_eq!(status, 200, "{cart}");
        }
    };
    add(&forms[0]).await;
    // Back to the same page, another product.
    add(&forms[1]).await;
    // The first form sent again (a double click, a retried post).
    add(&forms[0]).await;
    let cart = app.shopper_cart(&shopper).await;
    let lines = cart["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{cart}");
    assert!(lines.iter().all(|line| line["quantity"] == 1), "{cart}");
}

#[tokio::test]
async fn a_picture_is_kept_for_good_only_at_the_current_drawings_version() {
    let app = spawn_app().await;
    let current = anonymous(&app, &app::model::catalog::image_url("helmet-aero")).await;
    assert_eq!(current.status(), 200);
    assert_eq!(
        header(&current, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    for stale in [
        "/images/products/helmet-aero.svg",
        "/images/products/helmet-aero.svg?v=00000000",
    ] {
        let response = anonymous(&app, stale).await;
        assert_eq!(response.status(), 200, "{stale}");
        assert_eq!(
            header(&response, "cache-control"),
            Some("public, max-age=300")
        );
    }
}

#[tokio::test]
async fn a_page_that_shows_an_error_is_never_kept_for_other_visitors() {
    let app = spawn_listening_app().await;
    sqlx::query("alter table product rename to product_away")
        .execute(&app.state.db)
        .await
        .unwrap();
    let failed = anonymous(&app, "/").await;
    // Answered as rendered, not kept.
    assert_eq!(header(&failed, "x-tandem-page-cache"), None);
    assert_eq!(header(&failed, "cache-control"), Some("private, no-cache"));
    assert!(failed.headers().get("x-tandem-not-shareable").is_none());
    sqlx::query("alter table product_away rename to product")
        .execute(&app.state.db)
        .await
        .unwrap();
    let next = anonymous(&app, "/").await;
    assert_eq!(header(&next, "x-tandem-page-cache"), Some("miss"));
    assert!(next.text().await.unwrap().contains("Aero Road Helmet"));
}

#[tokio::test]
async fn a_returning_shopper_with_only_the_cart_cookie_gets_their_own_page() {
    let app = spawn_listening_app().await;
    anonymous(&app, "/").await;
    let product = app.product_id("socks-stripes").await.to_string();
    let added = app
        .cookieless
        .clone()
        .post(app.url("/api/cart/add"))
        .form(&[
            ("product_id", product.as_str()),
            ("quantity", "2"),
            ("request_id", &uuid::Uuid::new_v4().to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 200);
    let cart_cookie = added
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap())
        .find(|cookie| cookie.starts_with("tandem_cart="))
        .and_then(|cookie| cookie.split(';').next())
        .expect("the cart cookie")
        .to_string();
    // The session expired (or Redis forgot it); the cart cookie is still there.
    let page = app
        .cookieless
        .clone()
        .get(app.url("/"))
        .header("cookie", &cart_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&page, "x-tandem-page-cache"), None);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains(r#"class="badge">2</span>"#));
}

#[tokio::test]
async fn category_pages_are_kept_and_made_up_addresses_take_no_room() {
    let app = spawn_listening_app().await;
    anonymous(&app, "/?category=Bikes").await;
    let bikes = anonymous(&app, "/?category=Bikes").await;
    assert_eq!(header(&bikes, "x-tandem-page-cache"), Some("hit"));
    // Enough to pass the category cap (32); that unkept pages take no slot at all is shown
    // without rendering by the unit tests in page_cache.rs.
    for n in 0..40 {
        let missing = anonymous(&app, &format!("/products/no-such-thing-{n}")).await;
        assert_eq!(missing.status(), 404);
        anonymous(&app, &format!("/?category=Made-up-{n}")).await;
    }
    anonymous(&app, "/products/helmet-aero").await;
    let product = anonymous(&app, "/products/helmet-aero").await;
    assert_eq!(header(&product, "x-tandem-page-cache"), Some("hit"));
}

#[tokio::test]
async fn each_encoding_of_a_kept_page_has_its_own_etag() {
    let app = spawn_listening_app().await;
    let client = app.cookieless.clone();
    let mut tags = Vec::new();
    for encoding in ["br", "gzip", "identity"] {
        let response = client
            .get(app.url("/"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        tags.push(header(&response, "etag").unwrap().to_string());
    }
    tags.sort();
    tags.dedup();
    assert_eq!(tags.len(), 3, "{tags:?}");
    let brotli_tag = client
        .get(app.url("/"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    let brotli_tag = header(&brotli_tag, "etag").unwrap().to_string();
    let plain_with_brotli_tag = client
        .get(app.url("/"))
        .header("if-none-match", &brotli_tag)
        .send()
        .await
        .unwrap();
    assert_eq!(plain_with_brotli_tag.status(), 200);
}
