//! Safe defaults: store notices come from the server (never from the URL), security headers
//! carry the page's own script nonce, pushed links never reach staff pages, demo data only
//! when asked for.

use app::error::AppError;
use leptos::server_fn::error::ServerFnUrlError;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn a_store_alert_cannot_be_written_into_the_url() {
    let app = spawn_app().await;
    let forged = ServerFnUrlError::new(
        "/api/cart/add",
        AppError::Invalid("Your card was declined. Call 0900-SCAM to pay.".into()),
    )
    .to_url(&app.url("/"))
    .unwrap();
    let query = forged.query().unwrap();
    for page in ["/", "/cart", "/products/helmet-aero"] {
        let (status, html) = app.page(&format!("{page}?{query}")).await;
        assert_eq!(status, 200, "{page}");
        assert!(!html.contains("0900-SCAM"), "{page} shows the forged alert");
    }
}

#[tokio::test]
async fn a_failed_form_post_is_told_once_and_not_again_after_a_reload() {
    let app = spawn_app().await;
    let helmet = app.product_id("helmet-aero").await.to_string();
    let (status, location) = app
        .post_form(
            "/api/cart/add",
            &[
                ("product_id", &helmet),
                ("quantity", "500"),
                ("request_id", &uuid::Uuid::new_v4().to_string()),
            ],
            "/products/helmet-aero",
        )
        .await;
    assert!((300..400).contains(&status), "{status}");
    assert!(
        !location.contains("__err"),
        "no error text in the URL: {location}"
    );
    let (_, html) = app.page(&location).await;
    assert!(
        html.contains("whole number from 1 to 99"),
        "the error is shown"
    );
    let (_, again) = app.page(&location).await;
    assert!(
        !again.contains("whole number from 1 to 99"),
        "a reload does not show it again"
    );
}

#[tokio::test]
async fn a_store_alert_planted_in_the_page_a_failed_post_came_from_is_not_shown() {
    let app = spawn_app().await;
    let forged = ServerFnUrlError::new(
        "/api/cart/add",
        AppError::Invalid("Call 0900-SCAM to finish your order.".into()),
    )
    .to_url(&app.url("/products/helmet-aero"))
    .unwrap();
    let helmet = app.product_id("helmet-aero").await.to_string();
    let (_, location) = app
        .post_form(
            "/api/cart/add",
            &[
                ("product_id", &helmet),
                ("quantity", "500"),
                ("request_id", &uuid::Uuid::new_v4().to_string()),
            ],
            &format!("/products/helmet-aero?{}", forged.query().unwrap()),
        )
        .await;
    assert!(!location.contains("__err"), "{location}");
    let (_, html) = app.page(&location).await;
    assert!(!html.contains("0900-SCAM"), "the planted text is not shown");
    assert!(
        html.contains("whole number from 1 to 99"),
        "the real error is"
    );
}

#[tokio::test]
async fn pages_carry_security_headers_with_the_nonce_of_their_own_scripts() {
    let app = spawn_app().await;
    // A shopper with a session. The catalog and product pages are kept pages whose CSP
    // names hashes instead (public_pages.rs, shopper_pages.rs).
    app.add_to_cart(&app.client, "socks-stripes", 1).await;
    for page in ["/cart", "/checkout", "/admin/login"] {
        let response = app
            .client
            .get(app.url(page))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        let headers = response.headers().clone();
        let html = response.text().await.unwrap();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{page}");
        assert!(headers.contains_key("referrer-policy"), "{page}");
        let csp = headers["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .expect("a script nonce");
        assert!(
            html.contains(&format!("nonce=\"{nonce}\"")),
            "{page}: the scripts carry the header's nonce"
        );
    }
}

#[tokio::test]
async fn links_that_resolve_to_staff_pages_cannot_be_pushed() {
    let app = spawn_app().await;
    let shopper = app.new_client();
    let cart_id = app.add_to_cart(&shopper, "socks-stripes", 1).await["cart_id"]
        .as_i64()
        .unwrap();
    let rep = app.staff_client("ava", "rep-demo-pass").await;
    for path in [
        "/./admin",
        "/admin#x",
        "/admin?x=1",
        "/ADMIN",
        "/%61dmin",
        "/products/../admin/carts/1",
        "/products/%2e%2e/admin",
        "/products%2f..%2fadmin",
        "/./events/io",
        "/.%2e/admin",
    ] {
        let (status, body) = app
            .rep_call(
                &rep,
                "/admin/api/rep/link",
                cart_id,
                &[("path", path), ("note", "")],
            )
            .await;
        assert_eq!(status, 422, "{path}: {body}");
    }
    let cart = app.shopper_cart(&shopper).await;
    assert!(cart["links"].as_array().unwrap().is_empty(), "{cart}");
}

#[tokio::test]
async fn a_bare_start_creates_no_demo_data_and_an_unknown_environment_is_refused() {
    let app = spawn_app_with(&[("APP_SEED_DEMO", "false")]).await;
    let products: i64 = sqlx::query_scalar("select count(*) from product")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let staff: i64 = sqlx::query_scalar("select count(*) from staff")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!((products, staff), (0, 0));

    let refused = app::server::Config::from_lookup(|name| {
        (name == "APP_ENV").then(|| "prodution".to_string())
    })
    .unwrap_err();
    assert!(refused.to_string().contains("APP_ENV"), "{refused}");
}

#[tokio::test]
async fn request_ids_older_than_a_day_are_pruned() {
    let app = spawn_app().await;
    let shopper = app.new_client();
    let cart_id = app.add_to_cart(&shopper, "socks-stripes", 1).await["cart_id"]
        .as_i64()
        .unwrap();
    sqlx::query(
        "insert into cart_request (cart_id, request_id, applied_at)
         values ($1, gen_random_uuid(), now() - interval '25 hours')",
    )
    .bind(cart_id)
    .execute(&app.state.db)
    .await
    .unwrap();
    // The server's own housekeeping may have pruned it first (it runs at start): either
    // way the old id is gone and the fresh one stays.
    let pruned = app::server::maintenance::prune_request_ids(&app.state.db)
        .await
        .unwrap();
    assert!(pruned <= 1, "{pruned}");
    let old: i64 = sqlx::query_scalar(
        "select count(*) from cart_request where applied_at < now() - interval '1 day'",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(old, 0, "the old one is gone");
    let left: i64 = sqlx::query_scalar("select count(*) from cart_request")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(left, 1, "the fresh one stays");
}
