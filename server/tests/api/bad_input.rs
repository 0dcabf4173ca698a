//! No input produces a 500: NUL bytes, control characters, CR/LF, over-long strings and
//! malformed numbers in every field of every server function, form and page get a 4xx with
//! a sentence, and change nothing.

use uuid::Uuid;

use crate::helpers::{call_with, spawn_app, TestApp};

/// Values no field should turn into a 500.
fn nasty_values() -> Vec<String> {
    vec![
        "nul\0byte".to_string(),
        "\u{1}\u{7f}".to_string(),
        "line\r\nbreak".to_string(),
        "x".repeat(70_000),
        "99999999999999999999".to_string(),
        "-1".to_string(),
    ]
}

/// Every field name any server function takes, with a value that is valid for it.
async fn valid_fields(app: &TestApp, cart_id: i64) -> Vec<(&'static str, String)> {
    let version: i64 = sqlx::query_scalar("select version from cart where cart_id = $1")
        .bind(cart_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    vec![
        (
            "product_id",
            app.product_id("helmet-aero").await.to_string(),
        ),
        ("quantity", "1".into()),
        ("request_id", Uuid::new_v4().to_string()),
        ("version", version.to_string()),
        ("cart_id", cart_id.to_string()),
        ("target", "cart".into()),
        ("kind", "percent".into()),
        ("amount", "5".into()),
        ("reason", "A valid reason".into()),
        ("discount_id", "1".into()),
        ("link_id", "1".into()),
        ("path", "/cart".into()),
        ("note", "A note".into()),
        ("query", "socks".into()),
        ("slug", "helmet-aero".into()),
        ("category", "Bikes".into()),
        ("email", "ada@example.com".into()),
        ("name", "Ada Lovelace".into()),
        ("address_line", "12 Cycle Lane".into()),
        ("postal_code", "1010".into()),
        ("city", "Vienna".into()),
        ("country", "Austria".into()),
        ("number", "2345-6789".into()),
        ("token", "ab".repeat(32)),
        ("username", "newperson".into()),
        ("display_name", "New Person".into()),
        ("password", "a long enough password".into()),
        ("staff_id", "3".into()),
        ("active", "true".into()),
        ("after", String::new()),
        ("status", String::new()),
        ("customer", String::new()),
    ]
}

/// Everything a bad request could have changed.
async fn fingerprint(app: &TestApp) -> Vec<i64> {
    sqlx::query_scalar(
        "select unnest(array[
            (select count(*) from cart), (select count(*) from cart_item),
            (select coalesce(sum(quantity), 0) from cart_item), (select count(*) from cart_discount),
            (select count(*) from pushed_link), (select count(*) from cart_audit),
            (select count(*) from staff), (select coalesce(sum(version), 0) from cart)])::bigint",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap()
}

/// The fields `path` reads: leaving one out makes the call unreadable (422).
async fn fields_used(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    cart_id: i64,
) -> Vec<&'static str> {
    let mut used = Vec::new();
    for (field, _) in valid_fields(app, cart_id).await {
        let form = valid_fields(app, cart_id).await;
        let form: Vec<(&str, &str)> = form
            .iter()
            .filter(|(name, _)| *name != field)
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        let before = fingerprint(app).await;
        let (status, body) = call_with(client, &app.url(path), &form).await;
        if status == 422 && body.to_string().contains("could not be read") {
            assert_eq!(fingerprint(app).await, before);
            used.push(field);
        }
    }
    used
}

fn is_control_input(value: &str) -> bool {
    value.chars().any(|c| c.is_control())
}

#[tokio::test]
async fn every_server_function_answers_odd_bytes_and_huge_values_with_a_4xx_and_changes_nothing() {
    let app = spawn_app().await;
    let shopper = app.new_client();
    let cart_id = app.add_to_cart(&shopper, "socks-stripes", 1).await["cart_id"]
        .as_i64()
        .unwrap();
    let admin = app.staff_client("admin", "admin-demo-pass").await;
    let mut paths: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    paths.sort_unstable();
    assert!(paths.len() >= 15, "{paths:?}");

    let mut fields_tried = 0;
    for path in &paths {
        for (caller, client) in [("shopper", &shopper), ("admin", &admin)] {
            for field in fields_used(&app, client, path, cart_id).await {
                fields_tried += 1;
                for nasty in nasty_values() {
                    let before = fingerprint(&app).await;
                    let mut form = valid_fields(&app, cart_id).await;
                    form.iter_mut()
                        .filter(|(name, _)| *name == field)
                        .for_each(|(_, value)| *value = nasty.clone());
                    let form: Vec<(&str, &str)> =
                        form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let (status, body) = call_with(client, &app.url(path), &form).await;
                    let shown: String = nasty.chars().take(20).collect();
                    let what = format!("{caller} {path} with {field}={shown:?}");
                    assert!(status < 500, "{what}: {status} {body}");
                    if !(200..300).contains(&status) {
                        assert!(
                            body["message"].as_str().is_some_and(|m| !m.is_empty()),
                            "{what}: a sentence, not {body}"
                        );
                        assert_eq!(fingerprint(&app).await, before, "{what} changed something");
                    } else if is_control_input(&nasty) {
                        assert_eq!(
                            fingerprint(&app).await,
                            before,
                            "{what} stored control characters"
                        );
                    }
                }
            }
        }
    }
    assert!(fields_tried >= 30, "only {fields_tried} fields were tried");
}

#[tokio::test]
async fn staff_functions_answer_401_before_reading_their_arguments() {
    let app = spawn_app().await;
    let anonymous = app.new_client();
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        if !path.starts_with("/admin/api/") {
            continue;
        }
        let (status, body) = call_with(
            &anonymous,
            &app.url(path),
            &[("quantity", "lots"), ("cart_id", "nul\0"), ("version", "x")],
        )
        .await;
        assert_eq!(status, 401, "{path}: {body}");
    }
}

#[tokio::test]
async fn pages_with_odd_bytes_in_their_path_or_query_are_a_4xx() {
    let app = spawn_app().await;
    let rep = app.staff_client("ava", "rep-demo-pass").await;
    for path in [
        "/products/%00",
        "/products/a%0D%0Ab",
        &format!("/products/{}", "x".repeat(5000)),
        "/?category=%00",
        "/?category=%0D%0A",
        "/cart?notice=%00",
    ] {
        let (status, _) = app.page(path).await;
        assert!((400..500).contains(&status), "{path}: {status}");
    }
    for path in ["/admin/carts/%00", "/admin/carts/99999999999999999999999"] {
        let response = rep
            .get(app.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert!((400..500).contains(&status), "{path}: {status}");
    }
}

#[tokio::test]
async fn the_login_form_survives_odd_bytes_in_every_field() {
    let app = spawn_app().await;
    for nasty in nasty_values() {
        let next = format!("/admin/{nasty}");
        for (username, password, next) in [
            ("ava", "rep-demo-pass", next.as_str()),
            (nasty.as_str(), "rep-demo-pass", "/admin"),
            ("ava", nasty.as_str(), "/admin"),
        ] {
            let client = app.new_client();
            let response = client
                .post(app.url("/admin/login"))
                .form(&[
                    ("username", username),
                    ("password", password),
                    ("next", next),
                ])
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            assert!(
                status < 500,
                "login with {:?}: {status}",
                &nasty[..nasty.len().min(20)]
            );
            if let Some(location) = response.headers().get("location") {
                let location = location.to_str().unwrap();
                assert!(
                    location.starts_with("/admin"),
                    "stays on the site: {location}"
                );
            }
        }
    }
}
