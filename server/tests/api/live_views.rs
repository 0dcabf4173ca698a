//! What live views cost: a cart change is read from the database once however many reps
//! watch; a summary changes when anything it shows changes; staff requests are authorised
//! from memory, and the rules of access still hold.

use std::collections::HashMap;
use std::time::Duration;

use futures::{FutureExt, SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

const REP_PASSWORD: &str = "rep-demo-pass";

/// Calls a staff server function with `cookie` (no cookie store: exactly that session).
async fn staff_call(
    app: &TestApp,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(app.url(path))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .expect("server fn call");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// The summaries of `wanted` as the live list asks for them.
async fn summaries(app: &TestApp, cookie: &str, wanted: &[(i64, i64)]) -> Vec<serde_json::Value> {
    let wanted = app::model::admin::write_wanted(wanted);
    let (status, list) = staff_call(
        app,
        cookie,
        "/admin/api/carts/summaries",
        &[("wanted", &wanted)],
    )
    .await;
    assert_eq!(status, 200, "{list}");
    list["items"].as_array().unwrap().clone()
}

/// One simulated rep with the active-carts page open: listens on the websocket and, for
/// each burst of events, asks for the summaries of carts whose version moved past what it
/// shows, as the page does. Returns once it shows `target` versions of every cart.
async fn watching_rep(
    app: &TestApp,
    cookie: String,
    target: HashMap<i64, i64>,
) -> (HashMap<i64, i64>, u32) {
    let mut request = format!("ws://{}/events/io", app.address)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket opens");
    socket
        .send(Message::text(r#"{"listen":"cart_activity"}"#))
        .await
        .unwrap();
    let mut shown: HashMap<i64, i64> = HashMap::new();
    let mut listening = false;
    let mut requests = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while target
        .iter()
        .any(|(cart, version)| shown.get(cart) < Some(version))
    {
        let first = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("the rep's screen catches up within 30 s")
            .expect("socket open")
            .expect("no socket error");
        let mut burst = vec![first];
        // Whatever else has arrived joins the same request.
        while let Some(Some(Ok(more))) = socket.next().now_or_never() {
            burst.push(more);
        }
        let mut wanted: HashMap<i64, i64> = HashMap::new();
        for message in burst {
            let Message::Text(text) = message else {
                continue;
            };
            let frame: serde_json::Value = serde_json::from_str(&text).unwrap();
            if frame[0] == "listening" {
                listening = true;
                continue;
            }
            assert_eq!(frame[0], "cart_activity", "{frame}");
            let (cart, version) = (
                frame[1]["cart_id"].as_i64().unwrap(),
                frame[1]["version"].as_i64().unwrap(),
            );
            if target.contains_key(&cart) && shown.get(&cart) < Some(&version) {
                let entry = wanted.entry(cart).or_default();
                *entry = (*entry).max(version);
            }
        }
        assert!(listening, "the relay acknowledges first");
        if wanted.is_empty() {
            continue;
        }
        let wanted: Vec<(i64, i64)> = wanted.into_iter().collect();
        requests += 1;
        for summary in summaries(app, &cookie, &wanted).await {
            let (cart, version) = (
                summary["cart_id"].as_i64().unwrap(),
                summary["version"].as_i64().unwrap(),
            );
            let asked = wanted.iter().find(|(id, _)| *id == cart).unwrap().1;
            assert!(
                version >= asked,
                "a summary at least as new as the event: {summary}"
            );
            shown.insert(cart, version);
        }
    }
    (shown, requests)
}

#[tokio::test]
async fn twenty_reps_watching_a_hundred_changes_to_five_carts_read_each_summary_from_the_database_at_most_once(
) {
    let app = spawn_app().await;
    // Five carts, one item each.
    let shoppers: Vec<reqwest::Client> = (0..5).map(|_| app.new_client()).collect();
    let mut carts = Vec::new();
    for shopper in &shoppers {
        let cart = app.add_to_cart(shopper, "socks-stripes", 1).await;
        carts.push(cart["cart_id"].as_i64().unwrap());
    }
    let final_version = |before: i64| before + 20;
    let mut target = HashMap::new();
    for cart in &carts {
        let version: i64 = sqlx::query_scalar("select version from cart where cart_id = $1")
            .bind(cart)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
        target.insert(*cart, final_version(version));
    }

    let mut cookies = Vec::new();
    for _ in 0..20 {
        cookies.push(app.staff_cookie("ava", REP_PASSWORD).await);
    }
    let app = &app;
    let reps: Vec<_> = cookies
        .into_iter()
        .map(|cookie| watching_rep(app, cookie, target.clone()))
        .collect();
    let changes = async {
        // Let every rep's socket start listening first.
        tokio::time::sleep(Duration::from_millis(300)).await;
        // 100 changes: 20 to each cart, the five shoppers at once.
        futures::future::join_all(shoppers.iter().map(|shopper| async move {
            for _ in 0..20 {
                app.add_to_cart(shopper, "socks-stripes", 1).await;
            }
        }))
        .await;
    };
    let (shown, ()) = tokio::join!(futures::future::join_all(reps), changes);

    for (rep, _) in &shown {
        assert_eq!(
            rep, &target,
            "every rep ends showing every cart's last version"
        );
    }
    let requests: u32 = shown.iter().map(|(_, requests)| requests).sum();
    let mut reads = 0;
    for (cart, last) in &target {
        for version in 1..=*last {
            let read = app.state.summaries.reads_of(*cart, version);
            assert!(
                read <= 1,
                "cart {cart} version {version} was read {read} times"
            );
            reads += read;
        }
    }
    assert!(reads <= 100, "{reads} reads for 100 changes");
    assert!(
        requests >= 2 * reads,
        "{requests} requests from the reps, {reads} database reads"
    );
    eprintln!("{requests} summary requests from 20 reps, {reads} database reads");
    // 20 reps asked for summaries many times; the database was asked at most once a change.
    let final_totals: Vec<i64> = sqlx::query_scalar(
        "select sum(ci.quantity * p.price_cents)::bigint from cart_item ci
         join product p using (product_id) where ci.cart_id = any($1) group by ci.cart_id",
    )
    .bind(&carts)
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert!(final_totals.iter().all(|total| *total > 0));
}

#[tokio::test]
async fn a_price_change_gives_the_same_cart_version_a_new_summary() {
    let app = spawn_app().await;
    let shopper = app.new_client();
    let cart = app.add_to_cart(&shopper, "socks-stripes", 2).await;
    let (cart_id, version) = (
        cart["cart_id"].as_i64().unwrap(),
        cart["version"].as_i64().unwrap(),
    );
    let cookie = app.staff_cookie("ava", REP_PASSWORD).await;
    let before = summaries(&app, &cookie, &[(cart_id, version)]).await;
    let price: i64 =
        sqlx::query_scalar("select price_cents::bigint from product where slug = 'socks-stripes'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(before[0]["total_cents"], 2 * price);

    sqlx::query("update product set price_cents = price_cents + 100 where slug = 'socks-stripes'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    loop {
        let after = summaries(&app, &cookie, &[(cart_id, version)]).await;
        assert_eq!(
            after[0]["version"], version,
            "the cart itself did not change"
        );
        if after[0]["total_cents"] == 2 * (price + 100) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the new price shows within 2 s: {after:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The customer's name is part of the summary too.
    sqlx::query(
        "with c as (insert into customer (email, name) values ('kim@example.com', 'Kim') returning customer_id)
         update cart set customer_id = (select customer_id from c) where cart_id = $1",
    )
    .bind(cart_id)
    .execute(&app.state.db)
    .await
    .unwrap();
    let version: i64 = sqlx::query_scalar("select version from cart where cart_id = $1")
        .bind(cart_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    sqlx::query("update customer set name = 'Kim Lee' where email = 'kim@example.com'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    loop {
        let after = summaries(&app, &cookie, &[(cart_id, version)]).await;
        if after[0]["customer"]
            .as_str()
            .is_some_and(|who| who.starts_with("Kim Lee"))
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the new name shows within 2 s: {after:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn summaries_are_refused_for_odd_requests_and_for_shoppers() {
    let app = spawn_app().await;
    let cookie = app.staff_cookie("ava", REP_PASSWORD).await;
    let many = app::model::admin::write_wanted(&(0..101).map(|i| (i, 1)).collect::<Vec<_>>());
    for wanted in ["1:2,x", "1\u{0}:2", many.as_str()] {
        let (status, body) = staff_call(
            &app,
            &cookie,
            "/admin/api/carts/summaries",
            &[("wanted", wanted)],
        )
        .await;
        assert_eq!(status, 422, "{wanted:?} → {body}");
    }
    let (status, _) = app
        .call("/admin/api/carts/summaries", &[("wanted", "1:1")])
        .await;
    assert_eq!(status, 401, "a shopper is not signed in as staff");
    let (status, _) = app
        .call("/admin/api/cart/presence", &[("cart_id", "1")])
        .await;
    assert_eq!(status, 401);
}

/// Polls `path` with `cookie` until it answers `status`, for at most `within`.
async fn answers_within(app: &TestApp, cookie: &str, path: &str, status: u16, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let (got, body) = staff_call(app, cookie, path, &[]).await;
        if got == status {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{path} still answers {got} ({body}), not {status}, after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn staff_requests_are_authorised_from_memory_yet_logout_deactivation_and_role_loss_apply_at_once(
) {
    let app = spawn_app().await;
    let ava = app.staff_cookie("ava", REP_PASSWORD).await;
    let (status, _) = staff_call(&app, &ava, "/admin/api/carts", &[]).await;
    assert_eq!(status, 200);
    let hits = app.state.staff_cache.hits();
    for _ in 0..5 {
        let (status, _) = staff_call(&app, &ava, "/admin/api/carts", &[]).await;
        assert_eq!(status, 200);
    }
    assert!(
        app.state.staff_cache.hits() >= hits + 5,
        "answered from memory"
    );

    // Deactivated by another process (straight in the database): refused within a second,
    // well before the cache's own freshness limit.
    sqlx::query("update staff set active = false where username = 'ava'")
        .execute(&app.state.db)
        .await
        .unwrap();
    answers_within(&app, &ava, "/admin/api/carts", 401, Duration::from_secs(1)).await;

    // A role taken away: the functions that needed it are refused within a second.
    let ben = app.staff_cookie("ben", REP_PASSWORD).await;
    let (status, _) = staff_call(&app, &ben, "/admin/api/carts", &[]).await;
    assert_eq!(status, 200);
    sqlx::query("update staff set roles = array['event_listener'] where username = 'ben'")
        .execute(&app.state.db)
        .await
        .unwrap();
    answers_within(&app, &ben, "/admin/api/carts", 403, Duration::from_secs(1)).await;

    // Logged out: the same cookie, replayed, is refused at once.
    let admin = app.staff_cookie("admin", "admin-demo-pass").await;
    let (status, _) = staff_call(&app, &admin, "/admin/api/carts", &[]).await;
    assert_eq!(status, 200);
    let logout = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/admin/logout"))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert!(logout.status().is_redirection());
    let (status, _) = staff_call(&app, &admin, "/admin/api/carts", &[]).await;
    assert_eq!(
        status, 401,
        "a logged-out session is not served from memory"
    );
}

#[tokio::test]
async fn a_remembered_session_still_expires_when_idle() {
    let app = spawn_app_with(&[("APP_STAFF_IDLE_SECS", "2")]).await;
    let ava = app.staff_cookie("ava", REP_PASSWORD).await;
    for _ in 0..3 {
        let (status, _) = staff_call(&app, &ava, "/admin/api/carts", &[]).await;
        assert_eq!(status, 200);
    }
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    let (status, _) = staff_call(&app, &ava, "/admin/api/carts", &[]).await;
    assert_eq!(status, 401, "idle past the timeout");
}
