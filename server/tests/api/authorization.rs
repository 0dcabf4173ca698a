//! One authorisation matrix, generated from the one list of staff functions and endpoints
//! (`app::api::access`): every caller kind against every entry. A staff function that is not
//! in the list, or has no sample call here, fails this test.

use std::collections::BTreeSet;

use app::api::access::{STAFF_ENDPOINTS, STAFF_FUNCTIONS};
use app::model::staff::Role;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{call_with, spawn_app, TestApp};

/// Callers: the roles each holds (`None` for no staff session at all).
fn callers() -> Vec<(&'static str, Option<Vec<Role>>)> {
    let mut callers = vec![("anonymous", None), ("no role", Some(vec![]))];
    for role in Role::ALL {
        callers.push((role.as_str(), Some(vec![role])));
    }
    callers
}

/// A valid call of the staff function at `path` on `cart_id`, preparing what it needs.
async fn sample(app: &TestApp, path: &str, cart_id: i64) -> Vec<(String, String)> {
    let db = &app.state.db;
    let socks = app.product_id("socks-stripes").await;
    // Each call may change the cart; put back what the next one needs.
    sqlx::query(
        "insert into cart_item (cart_id, product_id, quantity) values ($1, $2, 1)
         on conflict do nothing",
    )
    .bind(cart_id)
    .bind(socks)
    .execute(db)
    .await
    .unwrap();
    sqlx::query("delete from cart_discount where cart_id = $1")
        .bind(cart_id)
        .execute(db)
        .await
        .unwrap();
    let discount_id: i64 = sqlx::query_scalar(
        "insert into cart_discount (cart_id, kind, basis_points, reason, created_by)
         values ($1, 'percent', 100, 'Sample', (select min(staff_id) from staff))
         returning discount_id",
    )
    .bind(cart_id)
    .fetch_one(db)
    .await
    .unwrap();
    let version: i64 = sqlx::query_scalar("select version from cart where cart_id = $1")
        .bind(cart_id)
        .fetch_one(db)
        .await
        .unwrap();
    let change = |extra: &[(&str, String)]| {
        let mut form = vec![
            ("cart_id".to_string(), cart_id.to_string()),
            ("version".to_string(), version.to_string()),
            ("request_id".to_string(), uuid::Uuid::new_v4().to_string()),
        ];
        form.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        form
    };
    let product = ("product_id", socks.to_string());
    match path {
        "/admin/api/me" | "/admin/api/carts" | "/admin/api/staff" | "/admin/api/events/status" => {
            vec![]
        }
        "/admin/api/find" => vec![("query".into(), "socks".into())],
        "/admin/api/carts/presence" => vec![("cart_ids".into(), cart_id.to_string())],
        "/admin/api/carts/summaries" => vec![("wanted".into(), format!("{cart_id}:{version}"))],
        "/admin/api/cart" | "/admin/api/cart/presence" => {
            vec![("cart_id".into(), cart_id.to_string())]
        }
        "/admin/api/rep/viewing" | "/admin/api/rep/left" => vec![
            ("cart_id".into(), cart_id.to_string()),
            ("visit".into(), uuid::Uuid::new_v4().simple().to_string()),
        ],
        "/admin/api/rep/products" => vec![("query".into(), "helmet".into())],
        "/admin/api/rep/add" | "/admin/api/rep/set" => change(&[product, ("quantity", "2".into())]),
        "/admin/api/rep/remove" => change(&[product]),
        "/admin/api/rep/discount" => change(&[
            ("target", "cart".into()),
            ("kind", "percent".into()),
            ("amount", "1".into()),
            ("reason", "Sample call".into()),
        ]),
        "/admin/api/rep/undiscount" => change(&[("discount_id", discount_id.to_string())]),
        "/admin/api/rep/link" => change(&[("path", "/cart".into()), ("note", String::new())]),
        "/admin/api/orders" => vec![],
        "/admin/api/orders/one" | "/admin/api/orders/cancel" => {
            let number = sample_order(app).await;
            vec![
                ("number".into(), number),
                ("reason".into(), "Sample cancel".into()),
            ]
        }
        "/admin/api/staff/create" => vec![
            (
                "username".into(),
                format!("made{}", uuid::Uuid::new_v4().simple())[..20].to_string(),
            ),
            ("display_name".into(), "Made By Test".into()),
            ("password".into(), "a long sample password".into()),
            ("role_sales_rep".into(), "on".into()),
        ],
        "/admin/api/staff/update" => vec![
            ("staff_id".into(), sample_member(app).await),
            ("display_name".into(), "Renamed".into()),
            ("role_sales_rep".into(), "on".into()),
        ],
        "/admin/api/staff/active" => vec![
            ("staff_id".into(), sample_member(app).await),
            ("active".into(), "true".into()),
        ],
        "/admin/api/staff/password" => vec![
            ("staff_id".into(), sample_member(app).await),
            ("password".into(), "another long password".into()),
        ],
        other => panic!("add a sample call for the staff function {other}"),
    }
}

/// A staff account the matrix may change freely.
async fn sample_member(app: &TestApp) -> String {
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$H0I1cAj3HyAu0DbYz5gYyW0GzbLh1eB7zc7AFzzvHHo";
    let id: i64 = sqlx::query_scalar(
        "insert into staff (username, display_name, password_hash, roles) values ('sample', 'Sample', $1, '{}')
         on conflict (username) do update set active = true returning staff_id",
    )
    .bind(hash)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    id.to_string()
}

/// A fresh order awaiting payment.
async fn sample_order(app: &TestApp) -> String {
    let shopper = app.new_client();
    app.add_to_cart(&shopper, "socks-stripes", 1).await;
    let version = app.shopper_cart(&shopper).await["version"].to_string();
    let id = uuid::Uuid::new_v4().to_string();
    let (status, number) = call_with(
        &shopper,
        &app.url("/api/checkout/place"),
        &[
            ("email", "sample@example.com"),
            ("name", "Sample Shopper"),
            ("address_line", "1 Road"),
            ("postal_code", "1000"),
            ("city", "Town"),
            ("country", "Land"),
            ("version", &version),
            ("request_id", &id),
        ],
    )
    .await;
    assert_eq!(status, 200, "{number}");
    number.as_str().unwrap().to_string()
}

#[tokio::test]
async fn every_staff_function_is_in_the_one_list_and_answers_every_role_as_it_says() {
    let registered: BTreeSet<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .filter(|path| path.starts_with("/admin/api/"))
        .collect();
    let listed: BTreeSet<&str> = STAFF_FUNCTIONS.iter().map(|(path, _)| *path).collect();
    assert_eq!(
        registered, listed,
        "every staff server function is listed in app::api::access::STAFF_FUNCTIONS"
    );

    let app = spawn_app().await;
    let shopper = app.new_client();
    let cart_id = app.add_to_cart(&shopper, "socks-stripes", 1).await["cart_id"]
        .as_i64()
        .unwrap();
    let mut clients = vec![("shopper".to_string(), shopper, None)];
    for (name, roles) in callers() {
        let client = match &roles {
            None => app.new_client(),
            Some(roles) => {
                let username = format!("u-{}", name.replace([' ', '_'], "-"));
                app.create_staff(&username, "pw-matrix", roles).await;
                app.staff_client(&username, "pw-matrix").await
            }
        };
        clients.push((name.to_string(), client, roles));
    }

    let mut checked = 0;
    for (path, allowed) in STAFF_FUNCTIONS {
        for (caller, client, roles) in &clients {
            let form = sample(&app, path, cart_id).await;
            let form: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let (status, body) = call_with(client, &app.url(path), &form).await;
            let expected = match roles {
                None => 401,
                Some(roles) if roles.iter().any(|role| allowed.contains(role)) => 200,
                Some(_) => 403,
            };
            assert_eq!(status, expected, "{caller} calling {path}: {body}");
            checked += 1;
        }
    }
    assert_eq!(checked, STAFF_FUNCTIONS.len() * clients.len());
}

#[tokio::test]
async fn every_staff_endpoint_answers_every_role_as_the_list_says() {
    let app = spawn_app().await;
    let shopper = app.new_client();
    let cart_id = app.add_to_cart(&shopper, "socks-stripes", 1).await["cart_id"]
        .as_i64()
        .unwrap();
    let order_number = sample_order(&app).await;
    for (name, roles) in callers() {
        let (client, cookie) = match &roles {
            None => (app.new_client(), String::new()),
            Some(roles) => {
                let username = format!("e-{}", name.replace([' ', '_'], "-"));
                app.create_staff(&username, "pw-matrix", roles).await;
                (
                    app.staff_client(&username, "pw-matrix").await,
                    app.staff_cookie(&username, "pw-matrix").await,
                )
            }
        };
        for (method, path, allowed) in STAFF_ENDPOINTS {
            assert_eq!(*method, "GET", "only pages and the websocket are listed");
            let path = path
                .replace("{id}", &cart_id.to_string())
                .replace("{number}", &order_number);
            let permitted = roles
                .as_ref()
                .is_some_and(|roles| roles.iter().any(|role| allowed.contains(role)));
            if path == "/events/io" {
                let mut request = format!("ws://{}{path}", app.address)
                    .into_client_request()
                    .unwrap();
                if !cookie.is_empty() {
                    request
                        .headers_mut()
                        .insert("cookie", cookie.parse().unwrap());
                }
                let status = match tokio_tungstenite::connect_async(request).await {
                    Ok((_, response)) => response.status().as_u16(),
                    Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                        response.status().as_u16()
                    }
                    Err(other) => panic!("{name} on {path}: {other}"),
                };
                assert_eq!(
                    status,
                    if permitted { 101 } else { 403 },
                    "{name} on {path}"
                );
                continue;
            }
            let response = client
                .get(app.url(&path))
                .header("accept", "text/html")
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            match (&roles, permitted) {
                (None, _) => {
                    assert!(
                        response.status().is_redirection(),
                        "{name} on {path}: {status}"
                    );
                    assert_eq!(
                        response.headers()["location"],
                        "/admin/login",
                        "{name} on {path}"
                    );
                }
                (Some(_), true) => assert_eq!(status, 200, "{name} on {path}"),
                (Some(_), false) => assert_eq!(status, 403, "{name} on {path}"),
            }
        }
    }
}
