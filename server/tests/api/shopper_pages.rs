//! A shopper's own catalog and product pages, kept for their browser alone until their cart
//! or the catalog changes.

use std::time::Duration;

use crate::helpers::{spawn_app, spawn_app_on, TestApp};

/// A shopper's page load: status, whether it came from memory, and the HTML.
async fn load(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
) -> (u16, Option<String>, String) {
    let response = client
        .get(app.url(path))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page request");
    let kept = response
        .headers()
        .get("x-tandem-page-cache")
        .map(|value| value.to_str().unwrap().to_string());
    (
        response.status().as_u16(),
        kept,
        response.text().await.unwrap(),
    )
}

fn badge(count: u32) -> String {
    format!(r#"class="badge">{count}</span>"#)
}

/// A server whose listener is up (nothing is kept until it is).
async fn spawn_listening(app: TestApp) -> TestApp {
    for _ in 0..300 {
        if app.state.hub.is_listening() {
            return app;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the listener never connected");
}

/// Waits until `app` has heard of a change to `cart_id` after tick `since`.
async fn wait_for_cart_change(app: &TestApp, cart_id: i64, since: u64) {
    for _ in 0..200 {
        if !app.state.hub.cart_clock().unchanged_since(cart_id, since) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the cart change was never heard");
}

#[tokio::test]
async fn a_shopper_s_page_is_kept_for_them_alone() {
    let app = spawn_listening(spawn_app().await).await;
    let ann = app.new_client();
    let bob = app.new_client();
    app.add_to_cart(&ann, "socks-stripes", 2).await;
    app.add_to_cart(&bob, "socks-stripes", 1).await;

    let (_, first, html) = load(&app, &ann, "/").await;
    assert_eq!(first.as_deref(), Some("miss"));
    assert!(html.contains(&badge(2)));
    let response = ann.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.headers()["x-tandem-page-cache"], "hit");
    assert_eq!(response.headers()["cache-control"], "private, no-cache");
    assert!(response.headers().get("x-tandem-page-cart").is_none());
    assert!(response.text().await.unwrap().contains(&badge(2)));

    let (_, _, html) = load(&app, &bob, "/").await;
    assert!(html.contains(&badge(1)), "another shopper gets their own");
    let (_, kept, html) = load(&app, &bob, "/").await;
    assert_eq!(kept.as_deref(), Some("hit"));
    assert!(html.contains(&badge(1)));
    let anonymous = app.cookieless.get(app.url("/")).send().await.unwrap();
    let html = anonymous.text().await.unwrap();
    assert!(!html.contains(&badge(2)) && !html.contains(&badge(1)));
}

#[tokio::test]
async fn a_change_to_the_shopper_s_cart_from_anywhere_shows_on_their_next_page() {
    let app = spawn_listening(spawn_app().await).await;
    let shopper = app.new_client();
    let cart_id = app.add_to_cart(&shopper, "socks-stripes", 2).await["cart_id"]
        .as_i64()
        .unwrap();
    load(&app, &shopper, "/products/socks-stripes").await;
    let (_, kept, _) = load(&app, &shopper, "/products/socks-stripes").await;
    assert_eq!(kept.as_deref(), Some("hit"));

    // The shopper adds from another tab (the hydrated client: no new cookie).
    let tick = app.state.hub.cart_clock().now();
    app.add_to_cart(&shopper, "socks-stripes", 1).await;
    wait_for_cart_change(&app, cart_id, tick).await;
    let (_, kept, html) = load(&app, &shopper, "/products/socks-stripes").await;
    assert_eq!(kept.as_deref(), Some("miss"));
    assert!(html.contains(&badge(3)));

    // A change made elsewhere (a rep, another process), announced by the database.
    let tick = app.state.hub.cart_clock().now();
    sqlx::query(
        "update cart_item set quantity = 5 where cart_id = $1
         and product_id = (select product_id from product where slug = 'socks-stripes')",
    )
    .bind(cart_id)
    .execute(&app.state.db)
    .await
    .unwrap();
    wait_for_cart_change(&app, cart_id, tick).await;
    let (_, kept, html) = load(&app, &shopper, "/products/socks-stripes").await;
    assert_eq!(kept.as_deref(), Some("miss"));
    assert!(html.contains(&badge(5)), "{html}");
}

#[tokio::test]
async fn after_a_plain_form_post_the_page_shows_its_outcome_once_whichever_process_answers() {
    let first = spawn_listening(spawn_app().await).await;
    let second = spawn_listening(spawn_app_on(&first).await).await;
    let shopper = first.new_client();
    first.add_to_cart(&shopper, "helmet-urban", 1).await;
    // Kept by the second process, as the shopper browsed there.
    load(&second, &shopper, "/").await;
    let (_, kept, _) = load(&second, &shopper, "/").await;
    assert_eq!(kept.as_deref(), Some("hit"));

    let helmet = first.product_id("helmet-urban").await.to_string();
    let post = |quantity: &'static str| {
        shopper
            .post(first.url("/api/cart/add"))
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", first.url("/"))
            .form(&[
                ("product_id", helmet.clone()),
                ("quantity", quantity.to_string()),
                ("request_id", uuid::Uuid::new_v4().to_string()),
            ])
            .send()
    };
    // A refused post changes no cart, so no process hears of it: the page it leads back to
    // must still not be the one kept from before, which lacks the error.
    let refused = post("1000").await.unwrap();
    assert!(refused.status().is_redirection());
    let (_, kept, html) = load(&second, &shopper, "/").await;
    assert_ne!(kept.as_deref(), Some("hit"));
    assert!(html.contains("notice-error"), "the refusal is shown");
    let (_, _, html) = load(&second, &shopper, "/").await;
    assert!(!html.contains("notice-error"), "once");

    // A plain form post answered by the first process...
    let posted = shopper
        .post(first.url("/api/cart/add"))
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", first.url("/"))
        .form(&[
            ("product_id", helmet.as_str()),
            ("quantity", "2"),
            ("request_id", &uuid::Uuid::new_v4().to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert!(posted.status().is_redirection());
    assert!(posted
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|cookie| cookie.to_str().unwrap().starts_with("tandem_form=")));

    // ...and the page it leads back to, answered at once by the second process, which may
    // not have heard of the change yet: never the page kept from before.
    let (_, kept, html) = load(&second, &shopper, "/").await;
    assert_ne!(kept.as_deref(), Some("hit"));
    assert!(html.contains("Added Urban Commuter Helmet to your cart."));
    assert!(html.contains(&badge(3)), "{html}");
    // A reload: the notice is not shown again, and that page is kept.
    let (_, kept, html) = load(&second, &shopper, "/").await;
    assert_eq!(kept.as_deref(), Some("miss"));
    assert!(!html.contains("Added Urban Commuter Helmet to your cart."));
    assert!(html.contains(&badge(3)));
    let (_, kept, html) = load(&second, &shopper, "/").await;
    assert_eq!(kept.as_deref(), Some("hit"));
    assert!(!html.contains("Added Urban Commuter Helmet to your cart."));
}

#[tokio::test]
async fn a_shopper_s_kept_page_allows_only_its_own_inline_scripts() {
    let app = spawn_listening(spawn_app().await).await;
    let shopper = app.new_client();
    app.add_to_cart(&shopper, "socks-stripes", 1).await;
    load(&app, &shopper, "/").await;
    let response = shopper.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.headers()["x-tandem-page-cache"], "hit");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(!csp.contains("'nonce-"), "{csp}");
    assert!(csp.contains("'sha256-"), "{csp}");
}

#[tokio::test]
async fn a_call_that_changes_the_cart_stamps_the_browser_and_a_read_does_not() {
    let app = spawn_listening(spawn_app().await).await;
    let stamped = |response: &reqwest::Response| {
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|cookie| cookie.to_str().unwrap().starts_with("tandem_form="))
    };
    let shopper = app.new_client();
    let product = app.product_id("socks-stripes").await.to_string();
    let added = shopper
        .post(app.url("/api/cart/add"))
        .form(&[
            ("product_id", product.as_str()),
            ("quantity", "1"),
            ("request_id", &uuid::Uuid::new_v4().to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 200);
    assert!(stamped(&added), "the next page is rendered afresh");
    let read = shopper.post(app.url("/api/cart")).send().await.unwrap();
    assert_eq!(read.status(), 200);
    assert!(
        !stamped(&read),
        "a read, which every page load makes, does not"
    );
    let refused = shopper
        .post(app.url("/api/cart/add"))
        .form(&[
            ("product_id", product.as_str()),
            ("quantity", "1000"),
            ("request_id", &uuid::Uuid::new_v4().to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert!(refused.status().is_client_error());
    assert!(!stamped(&refused), "nothing changed");
}

#[tokio::test]
async fn a_made_up_session_or_cart_cookie_keeps_no_page() {
    let app = spawn_listening(spawn_app().await).await;
    for cookie in [
        "tandem_session=made-up",
        "tandem_cart=0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        for _ in 0..2 {
            let response = app
                .cookieless
                .get(app.url("/"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            assert!(
                response.headers().get("x-tandem-page-cache").is_none(),
                "{cookie}: rendered, never kept"
            );
            assert!(response.headers().get("x-tandem-not-shareable").is_none());
        }
    }
}
