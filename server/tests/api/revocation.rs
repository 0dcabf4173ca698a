//! Access ends when the staff session ends: live sockets are closed with 1008 within 5 s of
//! logout, idle or absolute expiry, deactivation or the loss of the role that allowed them,
//! and nothing is delivered after that. Activity keeps a session alive; a shopper's live
//! stream ends when its cart stops being active.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{call_with, spawn_app, spawn_app_with, TestApp};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const REP_PASSWORD: &str = "rep-demo-pass";

async fn listening_socket(app: &TestApp, cookie: &str) -> Socket {
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
    loop {
        if let Message::Text(text) = next(&mut socket, Duration::from_secs(5))
            .await
            .expect("an answer")
        {
            assert!(text.starts_with("[\"listening\""), "{text}");
            return socket;
        }
    }
}

async fn next(socket: &mut Socket, within: Duration) -> Option<Message> {
    tokio::time::timeout(within, socket.next())
        .await
        .ok()
        .flatten()
        .and_then(Result::ok)
}

/// Waits up to `within` for the close frame; fails if a cart event arrives first.
async fn expect_policy_close(socket: &mut Socket, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match next(socket, left).await {
            Some(Message::Close(Some(frame))) => {
                assert_eq!(frame.code, CloseCode::Policy, "{frame:?}");
                return;
            }
            Some(Message::Text(text)) => {
                assert!(
                    !text.contains("cart_activity"),
                    "delivered after the end: {text}"
                )
            }
            Some(_) => {}
            None => panic!("no 1008 close within {within:?}"),
        }
    }
}

async fn touch_a_cart(app: &TestApp) {
    let shopper = app.new_client();
    app.add_to_cart(&shopper, "socks-stripes", 1).await;
}

#[tokio::test]
async fn a_socket_opened_before_logout_is_closed_with_1008_and_hears_nothing_after() {
    let app = spawn_app().await;
    let cookie = app.staff_cookie("ava", REP_PASSWORD).await;
    let mut socket = listening_socket(&app, &cookie).await;
    let logout = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/admin/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(logout.status().is_redirection());
    touch_a_cart(&app).await;
    expect_policy_close(&mut socket, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn deactivating_an_account_or_removing_its_role_closes_its_sockets() {
    let app = spawn_app().await;
    let ava = app.staff_cookie("ava", REP_PASSWORD).await;
    let ben = app.staff_cookie("ben", REP_PASSWORD).await;
    let admin = app.staff_cookie("admin", "admin-demo-pass").await;
    let mut ava_socket = listening_socket(&app, &ava).await;
    let mut ben_socket = listening_socket(&app, &ben).await;
    let mut admin_socket = listening_socket(&app, &admin).await;

    sqlx::query("update staff set active = false where username = 'ava'")
        .execute(&app.state.db)
        .await
        .unwrap();
    sqlx::query("update staff set roles = array['sales_rep'] where username = 'ben'")
        .execute(&app.state.db)
        .await
        .unwrap();
    expect_policy_close(&mut ava_socket, Duration::from_secs(5)).await;
    expect_policy_close(&mut ben_socket, Duration::from_secs(5)).await;

    touch_a_cart(&app).await;
    let frame = loop {
        match next(&mut admin_socket, Duration::from_secs(5)).await {
            Some(Message::Text(text)) => break text,
            Some(_) => continue,
            None => panic!("the admin's socket should still relay"),
        }
    };
    assert!(frame.contains("cart_activity"), "{frame}");
}

#[tokio::test]
async fn a_socket_is_closed_when_its_session_idles_out() {
    let app = spawn_app_with(&[("APP_STAFF_IDLE_SECS", "2")]).await;
    let cookie = app.staff_cookie("ava", REP_PASSWORD).await;
    let mut socket = listening_socket(&app, &cookie).await;
    // An open socket alone is not activity.
    expect_policy_close(&mut socket, Duration::from_secs(2 + 5)).await;
}

#[tokio::test]
async fn a_socket_is_closed_at_the_sessions_maximum_age_however_busy() {
    let app = spawn_app_with(&[("APP_STAFF_IDLE_SECS", "60"), ("APP_STAFF_MAX_SECS", "3")]).await;
    let cookie = app.staff_cookie("ava", REP_PASSWORD).await;
    let mut socket = listening_socket(&app, &cookie).await;
    expect_policy_close(&mut socket, Duration::from_secs(3 + 5)).await;
}

#[tokio::test]
async fn requests_keep_a_staff_session_alive_past_its_idle_timeout() {
    let app = spawn_app_with(&[("APP_STAFF_IDLE_SECS", "3")]).await;
    let rep = app.staff_client("ava", REP_PASSWORD).await;
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let (status, body) = call_with(&rep, &app.url("/admin/api/me"), &[]).await;
        assert_eq!(status, 200, "still signed in while active: {body}");
    }
}

#[tokio::test]
async fn a_shoppers_live_stream_ends_when_the_cart_stops_being_active() {
    let app = spawn_app().await;
    let shopper = app.new_client();
    let cart = app.add_to_cart(&shopper, "socks-stripes", 1).await;
    let mut stream = app.shopper_stream(&shopper).await;
    sqlx::query("update cart set status = 'closed' where cart_id = $1")
        .bind(cart["cart_id"].as_i64().unwrap())
        .execute(&app.state.db)
        .await
        .unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream of a closed cart ends");
}
