//! The storefront over HTTP: SSR pages, cart server functions as JSON calls and as plain
//! form posts, and every kind of bad input.

use fred::interfaces::KeysInterface;
use uuid::Uuid;

use crate::helpers::{call_with, spawn_app};

/// Form fields of one attempt.
type Form = Vec<(&'static str, String)>;

fn request_id() -> String {
    Uuid::new_v4().to_string()
}

#[tokio::test]
async fn the_catalog_page_is_complete_server_rendered_html_with_the_demo_products() {
    let app = spawn_app().await;
    let (status, html) = app.page("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("<!DOCTYPE html>"));
    assert!(
        html.matches("class=\"product-card\"").count() >= 24,
        "{html}"
    );
    assert!(html.contains("Allegro Road Bike"));
    assert!(html.contains("$1,499.00"));
}

#[tokio::test]
async fn a_product_page_shows_the_product_and_an_unknown_one_is_a_404() {
    let app = spawn_app().await;
    let (status, html) = app.page("/products/helmet-aero").await;
    assert_eq!(status, 200);
    assert!(html.contains("Aero Road Helmet") && html.contains("$159.00"));
    let (status, html) = app.page("/products/not-a-product").await;
    assert_eq!(status, 404);
    assert!(html.contains("We could not find that product."));
    let (status, _) = app.page("/no/such/page").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn adding_to_cart_opens_a_cart_with_a_help_code_and_prices_it_in_cents() {
    let app = spawn_app().await;
    let cart = app.add_to_cart(&app.client, "socks-stripes", 3).await;
    assert_eq!(cart["lines"][0]["quantity"], 3);
    assert_eq!(cart["subtotal_cents"], 4200);
    let code = cart["help_code"].as_str().unwrap();
    assert!(
        app::model::help_code::HelpCode::parse(code).is_ok(),
        "{code}"
    );
    assert_eq!(code.len(), 7, "shown with a dash: {code}");

    let (_, html) = app.page("/cart").await;
    assert!(html.contains(code), "the cart page shows the help code");
    assert!(html.contains("$42.00"));
}

#[tokio::test]
async fn the_cart_flow_works_as_plain_form_posts_without_javascript() {
    let app = spawn_app().await;
    let helmet = app.product_id("helmet-urban").await.to_string();
    let (status, location) = app
        .post_form(
            "/api/cart/add",
            &[
                ("product_id", &helmet),
                ("quantity", "2"),
                ("request_id", &request_id()),
            ],
            "/",
        )
        .await;
    assert_eq!(status, 302);
    assert_eq!(
        location,
        format!("/#add-{helmet}"),
        "back to the page, at the product's form"
    );
    let (_, html) = app.page("/").await;
    assert!(
        html.contains("Added Urban Commuter Helmet to your cart."),
        "saying what happened"
    );
    let (_, html) = app.page("/").await;
    assert!(
        !html.contains("Added Urban Commuter Helmet to your cart."),
        "once: a reload does not say it again"
    );
    let (_, html) = app.page("/cart").await;
    assert!(
        html.contains("Urban Commuter Helmet") && html.contains("$158.00"),
        "{html}"
    );

    let version = app.call("/api/cart", &[]).await.1["version"].to_string();
    let (status, _) = app
        .post_form(
            "/api/cart/set",
            &[
                ("product_id", &helmet),
                ("quantity", "1"),
                ("version", &version),
            ],
            "/cart",
        )
        .await;
    assert_eq!(status, 302);
    let (_, html) = app.page("/cart").await;
    assert!(html.contains("$79.00"));

    let version = app.call("/api/cart", &[]).await.1["version"].to_string();
    app.post_form(
        "/api/cart/remove",
        &[("product_id", &helmet), ("version", &version)],
        "/cart",
    )
    .await;
    let (_, html) = app.page("/cart").await;
    assert!(html.contains("Your cart is empty."));
}

#[tokio::test]
async fn a_failed_form_post_comes_back_to_the_page_with_a_readable_error() {
    let app = spawn_app().await;
    let helmet = app.product_id("helmet-urban").await.to_string();
    let (status, location) = app
        .post_form(
            "/api/cart/add",
            &[
                ("product_id", &helmet),
                ("quantity", "500"),
                ("request_id", &request_id()),
            ],
            "/products/helmet-urban",
        )
        .await;
    assert_eq!(status, 302);
    assert_eq!(location, "/products/helmet-urban");
    let (_, html) = app.page(&location).await;
    assert!(
        html.contains("Quantity must be a whole number from 1 to 99."),
        "{html}"
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_message_and_leaves_the_cart_as_it_was() {
    let app = spawn_app().await;
    let socks = app.product_id("socks-stripes").await.to_string();
    let sold_out = app.product_id("mtb-sentiero").await.to_string();
    let before = app.add_to_cart(&app.client, "socks-stripes", 2).await;

    let cases: Vec<(Form, u16, &str)> = vec![
        (
            vec![("product_id", "999999".into()), ("quantity", "1".into())],
            404,
            "That product is not sold here (any more).",
        ),
        (
            vec![("product_id", socks.clone()), ("quantity", "-1".into())],
            422,
            "Quantity must be a whole number from 1 to 99.",
        ),
        (
            vec![
                ("product_id", socks.clone()),
                ("quantity", "100000000000".into()),
            ],
            422,
            "Quantity must be a whole number from 1 to 99.",
        ),
        (
            vec![("product_id", socks.clone()), ("quantity", "lots".into())],
            422,
            "Quantity must be a whole number from 1 to 99.",
        ),
        (
            vec![("product_id", socks.clone()), ("quantity", "98".into())],
            422,
            "A cart can hold at most 99 of Striped Cycling Socks; yours has 2.",
        ),
        (
            vec![("product_id", sold_out.clone()), ("quantity", "1".into())],
            422,
            "Sentiero Trail MTB is out of stock.",
        ),
        (
            vec![
                ("product_id", "1; drop table cart".into()),
                ("quantity", "1".into()),
            ],
            422,
            "The form could not be read. Please reload the page and try again.",
        ),
    ];
    for (fields, status, message) in cases {
        let id = request_id();
        let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form.push(("request_id", &id));
        let (got_status, body) = app.call("/api/cart/add", &form).await;
        assert_eq!(got_status, status, "{fields:?}: {body}");
        assert!(body.to_string().contains(message), "{fields:?}: {body}");
    }
    let (_, after) = app.call("/api/cart", &[]).await;
    assert_eq!(after["lines"], before["lines"], "nothing changed");
}

#[tokio::test]
async fn submitting_the_same_add_form_twice_adds_once() {
    let app = spawn_app().await;
    let socks = app.product_id("socks-stripes").await.to_string();
    let id = request_id();
    let form = [
        ("product_id", socks.as_str()),
        ("quantity", "1"),
        ("request_id", id.as_str()),
    ];
    app.call("/api/cart/add", &form).await;
    let (_, cart) = app.call("/api/cart/add", &form).await;
    assert_eq!(cart["lines"][0]["quantity"], 1);
}

#[tokio::test]
async fn the_cart_survives_losing_the_redis_session() {
    let app = spawn_app().await;
    let cart = app.add_to_cart(&app.client, "socks-stripes", 2).await;
    let prefix = &app.state.config.redis_key_prefix;
    let keys: Vec<String> = scan(&app.state.redis, &format!("{prefix}session:*")).await;
    assert!(
        !keys.is_empty(),
        "a shopper session was stored in Redis under the prefix"
    );
    for key in keys {
        let _: i64 = app.state.redis.del(key).await.unwrap();
    }
    let (_, again) = app.call("/api/cart", &[]).await;
    assert_eq!(again["cart_id"], cart["cart_id"]);
    assert_eq!(again["lines"][0]["quantity"], 2);
}

#[tokio::test]
async fn a_malformed_cart_cookie_is_ignored_and_a_new_cart_is_opened() {
    let app = spawn_app().await;
    let socks = app.product_id("socks-stripes").await.to_string();
    let client = reqwest::Client::new();
    let response = client
        .post(app.url("/api/cart/add"))
        .header(
            "cookie",
            "tandem_cart=%%%not-a-token; tandem_session=garbage",
        )
        .form(&[
            ("product_id", socks.as_str()),
            ("quantity", "1"),
            ("request_id", &request_id()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let cart: serde_json::Value = response.json().await.unwrap();
    assert_eq!(cart["lines"][0]["quantity"], 1);
}

#[tokio::test]
async fn two_shoppers_get_two_carts_and_cannot_see_each_other() {
    let app = spawn_app().await;
    let first = app.add_to_cart(&app.client, "socks-stripes", 1).await;
    let other = app.new_client();
    let (_, empty) = call_with(&other, &app.url("/api/cart"), &[]).await;
    assert_eq!(empty, serde_json::Value::Null);
    let second = app.add_to_cart(&other, "socks-stripes", 1).await;
    assert_ne!(first["cart_id"], second["cart_id"]);
    assert_ne!(first["help_code"], second["help_code"]);
}

#[tokio::test]
async fn responses_are_compressed_when_the_browser_accepts_it() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "br");
}

async fn scan(redis: &fred::clients::Pool, pattern: &str) -> Vec<String> {
    use fred::interfaces::ClientLike;
    let client = redis.next();
    let value: fred::types::Value = client
        .custom(fred::cmd!("KEYS"), vec![pattern.to_string()])
        .await
        .unwrap();
    value.convert().unwrap()
}

#[tokio::test]
async fn a_change_made_against_an_old_version_of_the_cart_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let socks = app.product_id("socks-stripes").await.to_string();
    let cart = app.add_to_cart(&app.client, "socks-stripes", 2).await;
    let stale = cart["version"].to_string();
    app.add_to_cart(&app.client, "socks-stripes", 1).await;
    let (status, body) = app
        .call(
            "/api/cart/set",
            &[
                ("product_id", &socks),
                ("quantity", "9"),
                ("version", &stale),
            ],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("was just updated"));
    let (_, now) = app.call("/api/cart", &[]).await;
    assert_eq!(now["lines"][0]["quantity"], 3);
}
