//! Staff sign-in, sessions, roles and the cart finder, over HTTP.

use std::time::Duration;

use app::model::staff::Role;
use uuid::Uuid;

use crate::helpers::{call_with, spawn_app, spawn_app_with, TestApp};

const REP_PASSWORD: &str = "rep-demo-pass";
const ADMIN_PASSWORD: &str = "admin-demo-pass";

async fn me_status(app: &TestApp, client: &reqwest::Client) -> u16 {
    call_with(client, &app.url("/admin/api/me"), &[]).await.0
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn signing_in_with_the_form_redirects_and_sets_a_strict_staff_cookie() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .post(app.url("/admin/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=ava&password=rep-demo-pass")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/admin");
    let cookies = set_cookies(&response);
    let admin = cookies
        .iter()
        .find(|c| c.starts_with("tandem_staff=") && c.split(';').any(|a| a.trim() == "Path=/admin"))
        .expect("admin cookie");
    assert!(admin.starts_with("tandem_staff="));
    assert!(
        admin.contains("HttpOnly") && admin.contains("SameSite=Strict"),
        "{admin}"
    );
    assert!(cookies
        .iter()
        .any(|c| c.starts_with("tandem_staff=") && c.contains("Path=/events")));
    assert!(
        !cookies.iter().any(|c| c.starts_with("tandem_session=")),
        "no shopper session"
    );
}

#[tokio::test]
async fn a_wrong_password_or_unknown_user_is_refused_the_same_way() {
    let app = spawn_app().await;
    let client = app.new_client();
    assert_eq!(
        app.log_in_with(&client, "ava", "wrong").await,
        "/admin/login?error=invalid"
    );
    assert_eq!(
        app.log_in_with(&client, "nobody", "wrong").await,
        "/admin/login?error=invalid"
    );
    assert_eq!(me_status(&app, &client).await, 401);
}

#[tokio::test]
async fn an_inactive_account_cannot_sign_in() {
    let app = spawn_app().await;
    let hash = app::server::staff::hash_password("pw-123456").unwrap();
    app::server::db::staff::upsert(
        &app.state.db,
        "gone",
        "Gone",
        &hash,
        &[Role::SalesRep],
        false,
    )
    .await
    .unwrap();
    let client = app.new_client();
    assert_eq!(
        app.log_in_with(&client, "gone", "pw-123456").await,
        "/admin/login?error=invalid"
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_username_even_for_the_right_password() {
    let app = spawn_app().await;
    let client = app.new_client();
    for _ in 0..5 {
        app.log_in_with(&client, "ben", "guess").await;
    }
    assert_eq!(
        app.log_in_with(&client, "ben", REP_PASSWORD).await,
        "/admin/login?error=locked"
    );
    // Another user from another address is not affected.
    let other = app.new_client();
    let response = other
        .post(app.url("/admin/login"))
        .header("x-real-ip", "10.1.2.3")
        .form(&[("username", "ava"), ("password", REP_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/admin");
}

#[tokio::test]
async fn signing_in_rotates_the_session_id_and_signing_out_destroys_it() {
    let app = spawn_app().await;
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = |cookie: Option<String>| {
        let mut request = raw
            .post(app.url("/admin/login"))
            .form(&[("username", "ava"), ("password", REP_PASSWORD)]);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    let first = login(None).await.unwrap();
    let staff_cookie = |cookies: Vec<String>| {
        cookies
            .into_iter()
            .find(|c| c.starts_with("tandem_staff="))
            .expect("a staff cookie")
    };
    let first_cookie = staff_cookie(set_cookies(&first))
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let second = login(Some(first_cookie.clone())).await.unwrap();
    let second_cookie = staff_cookie(set_cookies(&second))
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_ne!(first_cookie, second_cookie, "a new id at every login");

    let me = |cookie: String| {
        raw.post(app.url("/admin/api/me"))
            .header("cookie", cookie)
            .send()
    };
    assert_eq!(
        me(first_cookie).await.unwrap().status().as_u16(),
        401,
        "the old id is dead"
    );
    assert_eq!(
        me(second_cookie.clone()).await.unwrap().status().as_u16(),
        200
    );

    let out = raw
        .post(app.url("/admin/logout"))
        .header("cookie", second_cookie.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_u16(), 303);
    assert_eq!(
        me(second_cookie).await.unwrap().status().as_u16(),
        401,
        "destroyed on logout"
    );
}

#[tokio::test]
async fn an_idle_staff_session_expires() {
    let app = spawn_app_with(&[("APP_STAFF_IDLE_SECS", "1")]).await;
    let client = app.staff_client("ava", REP_PASSWORD).await;
    assert_eq!(me_status(&app, &client).await, 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(me_status(&app, &client).await, 401);
}

#[tokio::test]
async fn a_busy_staff_session_still_ends_at_its_maximum_age() {
    let app = spawn_app_with(&[("APP_STAFF_IDLE_SECS", "60"), ("APP_STAFF_MAX_SECS", "2")]).await;
    let client = app.staff_client("ava", REP_PASSWORD).await;
    for _ in 0..3 {
        assert_eq!(me_status(&app, &client).await, 200);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(me_status(&app, &client).await, 401);
}

#[tokio::test]
async fn every_staff_function_checks_roles_on_the_server() {
    let app = spawn_app().await;
    app.create_staff("listener", "pw-listener", &[Role::EventListener])
        .await;
    app.create_staff("manager", "pw-manager", &[Role::DiscountManager])
        .await;
    app.create_staff("norole", "pw-norole", &[]).await;

    // A shopper with a cart and a session: never a staff caller.
    let shopper = app.new_client();
    let socks = app.product_id("socks-stripes").await.to_string();
    let request_id = Uuid::new_v4().to_string();
    let (_, cart) = call_with(
        &shopper,
        &app.url("/api/cart/add"),
        &[
            ("product_id", &socks),
            ("quantity", "1"),
            ("request_id", &request_id),
        ],
    )
    .await;
    let cart_id = cart["cart_id"].to_string();

    let callers = [
        ("anonymous", app.new_client()),
        ("shopper", shopper),
        ("no role", app.staff_client("norole", "pw-norole").await),
        (
            "event_listener",
            app.staff_client("listener", "pw-listener").await,
        ),
        (
            "discount_manager",
            app.staff_client("manager", "pw-manager").await,
        ),
        ("sales_rep", app.staff_client("ava", REP_PASSWORD).await),
        ("admin", app.staff_client("admin", ADMIN_PASSWORD).await),
    ];
    let functions: [(&str, Vec<(&str, &str)>); 5] = [
        ("/admin/api/me", vec![]),
        ("/admin/api/carts", vec![]),
        ("/admin/api/find", vec![("query", "socks")]),
        ("/admin/api/cart", vec![("cart_id", cart_id.as_str())]),
        ("/admin/api/staff", vec![]),
    ];
    // Expected status per caller, in the order of `functions`.
    let expected: [(&str, [u16; 5]); 7] = [
        ("anonymous", [401, 401, 401, 401, 401]),
        ("shopper", [401, 401, 401, 401, 401]),
        ("no role", [403, 403, 403, 403, 403]),
        ("event_listener", [200, 403, 403, 403, 403]),
        ("discount_manager", [200, 403, 403, 403, 403]),
        ("sales_rep", [200, 200, 200, 200, 403]),
        ("admin", [200, 200, 200, 200, 200]),
    ];
    for ((caller, client), (expected_caller, statuses)) in callers.iter().zip(expected) {
        assert_eq!(*caller, expected_caller);
        for ((path, form), status) in functions.iter().zip(statuses) {
            let (got, body) = call_with(client, &app.url(path), form).await;
            assert_eq!(got, status, "{caller} calling {path}: {body}");
            if status == 401 {
                assert!(body.to_string().contains("Please sign in"), "{body}");
            }
            if status == 403 {
                assert!(body.to_string().contains("does not allow"), "{body}");
            }
        }
    }
}

#[tokio::test]
async fn admin_pages_send_visitors_without_a_staff_session_to_sign_in() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/admin"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/admin/login");
    let (status, html) = app.page("/admin/login").await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"username\"") && html.contains("name=\"password\""));
}

#[tokio::test]
async fn a_rep_finds_a_cart_by_the_help_code_typed_any_way() {
    let app = spawn_app().await;
    let shopper = app.new_client();
    let socks = app.product_id("socks-stripes").await.to_string();
    let request_id = Uuid::new_v4().to_string();
    let (_, cart) = call_with(
        &shopper,
        &app.url("/api/cart/add"),
        &[
            ("product_id", &socks),
            ("quantity", "2"),
            ("request_id", &request_id),
        ],
    )
    .await;
    let code = cart["help_code"].as_str().unwrap().to_string();
    let rep = app.staff_client("ava", REP_PASSWORD).await;
    for typed in [
        code.clone(),
        code.to_lowercase(),
        code.replace('-', ""),
        format!(" {} ", code.to_lowercase().replace('-', " ")),
    ] {
        let (status, found) =
            call_with(&rep, &app.url("/admin/api/find"), &[("query", &typed)]).await;
        assert_eq!(status, 200, "{found}");
        assert_eq!(found["exact_cart"], cart["cart_id"], "typed {typed:?}");
        assert_eq!(found["carts"][0]["item_count"], 2);
    }
    let (_, by_product) =
        call_with(&rep, &app.url("/admin/api/find"), &[("query", "striped")]).await;
    assert_eq!(by_product["matched_by"], "product");
    assert_eq!(by_product["carts"][0]["cart_id"], cart["cart_id"]);

    let (status, html) = {
        let response = rep
            .get(app.url(&format!("/admin?q={}", code.to_lowercase())))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string()),
        )
    };
    assert!(
        (300..400).contains(&status),
        "the finder page goes straight to the cart: {status} {html:?}"
    );
    assert_eq!(html.unwrap(), format!("/admin/carts/{}", cart["cart_id"]));
}

#[tokio::test]
async fn requests_from_another_site_are_refused() {
    let app = spawn_app().await;
    let socks = app.product_id("socks-stripes").await.to_string();
    let id = Uuid::new_v4().to_string();
    let form = [
        ("product_id", socks.as_str()),
        ("quantity", "1"),
        ("request_id", id.as_str()),
    ];
    for (header, value) in [
        ("origin", "http://evil.test"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let response = app
            .client
            .post(app.url("/api/cart/add"))
            .header(header, value)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403);
        assert_eq!(
            response.text().await.unwrap(),
            "Cross-site request refused."
        );
        let login = app
            .client
            .post(app.url("/admin/login"))
            .header(header, value)
            .form(&[("username", "ava"), ("password", REP_PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status().as_u16(), 403);
    }
    let (status, cart) = app.call("/api/cart", &[]).await;
    assert_eq!(
        (status, cart),
        (200, serde_json::Value::Null),
        "nothing was added"
    );
    let same_origin = app
        .client
        .post(app.url("/api/cart/add"))
        .header("origin", app.url(""))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status().as_u16(), 200);
}

#[tokio::test]
async fn production_never_gets_the_demo_staff_passwords() {
    let app = spawn_app_with(&[("APP_ENV", "production")]).await;
    let count: i64 = sqlx::query_scalar("select count(*) from staff")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
    let client = app.new_client();
    assert_eq!(
        app.log_in_with(&client, "admin", ADMIN_PASSWORD).await,
        "/admin/login?error=invalid"
    );
}
