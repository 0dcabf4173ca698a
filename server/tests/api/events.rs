//! The `/events/io` relay: access rules, the protocol, resync, resource release, and two
//! server processes sharing one Postgres.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_on, spawn_app_with, TestApp};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The upgrade request for `/events/io` carrying the staff `cookie`.
fn events_request(
    app: &TestApp,
    cookie: &str,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut request = format!("ws://{}/events/io", app.address)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    request
}

async fn connect(app: &TestApp, cookie: &str) -> Socket {
    let (socket, _) = tokio_tungstenite::connect_async(events_request(app, cookie))
        .await
        .expect("websocket opens");
    socket
}

/// The next message of any kind, within 5 s.
async fn next_message(socket: &mut Socket) -> Message {
    tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("a frame within 5 s")
        .expect("socket open")
        .expect("no socket error")
}

async fn next_text(socket: &mut Socket) -> serde_json::Value {
    loop {
        if let Message::Text(text) = next_message(socket).await {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

async fn listen(socket: &mut Socket, message: &str) {
    socket.send(Message::text(message)).await.unwrap();
    let ack = next_text(socket).await;
    assert_eq!(ack[0], "listening", "{ack}");
}

#[tokio::test]
async fn a_plain_request_without_upgrade_is_a_400() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/events/io")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(response.text().await.unwrap(), "Expected websocket");
}

#[tokio::test]
async fn an_upgrade_without_an_event_listener_session_or_from_another_origin_is_a_403() {
    let app = spawn_app().await;
    let url = format!("ws://{}/events/io", app.address);
    let refused = |request| async move {
        match tokio_tungstenite::connect_async(request).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                response.status().as_u16()
            }
            other => panic!("expected an HTTP refusal, got {:?}", other.map(|_| ())),
        }
    };
    assert_eq!(
        refused(url.clone().into_client_request().unwrap()).await,
        403,
        "no session"
    );

    app.create_staff(
        "plainrep",
        "pw-plainrep",
        &[app::model::staff::Role::SalesRep],
    )
    .await;
    let no_role = app.staff_cookie("plainrep", "pw-plainrep").await;
    let mut request = url.clone().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", no_role.parse().unwrap());
    assert_eq!(refused(request).await, 403, "no event_listener role");

    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    request
        .headers_mut()
        .insert("origin", "http://evil.test".parse().unwrap());
    assert_eq!(refused(request).await, 403, "foreign origin");
}

#[tokio::test]
async fn a_listener_receives_every_cart_change_as_a_cart_activity_frame() {
    let app = spawn_app().await;
    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let mut socket = connect(&app, &cookie).await;
    listen(&mut socket, r#"{"listen":"cart_activity"}"#).await;

    let shopper = app.new_client();
    let cart = app.add_to_cart(&shopper, "socks-stripes", 1).await;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let frame = next_text(&mut socket).await;
        assert_eq!(frame[0], "cart_activity", "{frame}");
        assert_eq!(frame[1]["cart_id"], cart["cart_id"]);
        seen.push(frame[1].clone());
    }
    assert_eq!(seen[0]["op"], "cart_created");
    assert_eq!(seen[1]["op"], "item_added");
    assert!(seen[1]["version"].as_i64() > seen[0]["version"].as_i64());
}

#[tokio::test]
async fn a_listener_narrowed_to_one_cart_hears_only_that_cart() {
    let app = spawn_app().await;
    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let first = app.new_client();
    let second = app.new_client();
    let watched = app.add_to_cart(&first, "socks-stripes", 1).await;
    app.add_to_cart(&second, "socks-stripes", 1).await;

    let mut socket = connect(&app, &cookie).await;
    listen(
        &mut socket,
        &format!(
            r#"{{"listen":"cart_activity","cart_id":{}}}"#,
            watched["cart_id"]
        ),
    )
    .await;
    app.add_to_cart(&second, "helmet-aero", 1).await;
    app.add_to_cart(&first, "helmet-aero", 1).await;
    let frame = next_text(&mut socket).await;
    assert_eq!(frame[1]["cart_id"], watched["cart_id"]);
    assert_eq!(frame[1]["op"], "item_added");
}

#[tokio::test]
async fn malformed_messages_get_an_error_frame_and_the_connection_stays_open() {
    let app = spawn_app().await;
    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let mut socket = connect(&app, &cookie).await;
    for bad in ["hello", r#"{"listen":"orders"}"#] {
        socket.send(Message::text(bad)).await.unwrap();
        let frame = next_text(&mut socket).await;
        assert_eq!(frame[0], "error", "{frame}");
    }
    listen(&mut socket, r#"{"listen":"cart_activity"}"#).await;
}

#[tokio::test]
async fn a_clients_ping_is_answered_and_a_fragmented_message_is_understood() {
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    let app = spawn_app().await;
    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let mut socket = connect(&app, &cookie).await;
    socket
        .send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .unwrap();
    loop {
        if let Message::Pong(payload) = next_message(&mut socket).await {
            assert_eq!(&payload[..], b"are you there");
            break;
        }
    }
    // One message in two frames, as a client may send it.
    let first = Frame::message(b"{\"listen\":".to_vec(), OpCode::Data(Data::Text), false);
    let rest = Frame::message(
        b"\"cart_activity\"}".to_vec(),
        OpCode::Data(Data::Continue),
        true,
    );
    socket.send(Message::Frame(first)).await.unwrap();
    socket.send(Message::Frame(rest)).await.unwrap();
    let frame = next_text(&mut socket).await;
    assert_eq!(frame[0], "listening", "{frame}");
}

#[tokio::test]
async fn a_message_over_64_kib_closes_the_connection_with_1009() {
    let app = spawn_app().await;
    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let mut socket = connect(&app, &cookie).await;
    socket
        .send(Message::text("x".repeat(64 * 1024 + 1)))
        .await
        .unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(message) = socket.next().await {
            if let Ok(Message::Close(frame)) = message {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .unwrap();
    assert_eq!(closed, Some(1009));
}

#[tokio::test]
async fn losing_the_listen_connection_sends_resync_and_relaying_resumes() {
    let app = spawn_app().await;
    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let mut socket = connect(&app, &cookie).await;
    listen(&mut socket, r#"{"listen":"cart_activity"}"#).await;

    let terminated: Vec<bool> = sqlx::query_scalar(
        "select pg_terminate_backend(pid) from pg_stat_activity
         where datname = current_database() and query ilike 'listen%'",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert!(!terminated.is_empty(), "found the LISTEN connection");
    let frame = next_text(&mut socket).await;
    assert_eq!(frame[0], "resync", "{frame}");

    // Give the relay a moment to LISTEN again, then changes flow as before.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let shopper = app.new_client();
    let cart = app.add_to_cart(&shopper, "socks-stripes", 1).await;
    let frame = next_text(&mut socket).await;
    assert_eq!(frame[0], "cart_activity");
    assert_eq!(frame[1]["cart_id"], cart["cart_id"]);
}

#[tokio::test]
async fn a_thousand_connections_opened_and_closed_leave_nothing_behind() {
    let app = spawn_app_with(&[("APP_WS_MAX_PER_STAFF", "2000")]).await;
    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let metrics = tokio::runtime::Handle::current().metrics();
    // Warm up: the first connection creates pools and caches that stay.
    drop(connect(&app, &cookie).await);
    wait_for(|| app.state.hub.connection_count() == 0).await;
    let tasks_before = metrics.num_alive_tasks();
    let bound = 16 * 1024 * 1024;
    let grown = crate::helpers::least_memory_growth(bound, async || {
        for _round in 0..2 {
            let mut sockets = Vec::new();
            for _ in 0..500 {
                sockets.push(connect(&app, &cookie).await);
            }
            wait_for(|| app.state.hub.connection_count() == 500).await;
            for mut socket in sockets {
                let _ = socket.close(None).await;
            }
            wait_for(|| app.state.hub.connection_count() == 0).await;
        }
        wait_for(|| metrics.num_alive_tasks() <= tasks_before).await;
    })
    .await;
    assert!(
        grown < bound,
        "resident memory grew by {} KiB over 1000 connections, in the best of three rounds",
        grown / 1024
    );
    assert_eq!(app.state.hub.connection_count(), 0);
    assert!(
        metrics.num_alive_tasks() <= tasks_before,
        "{} tasks alive, {tasks_before} before",
        metrics.num_alive_tasks()
    );
}

#[tokio::test]
async fn a_client_that_falls_too_far_behind_is_told_to_resync_and_then_hears_new_events() {
    use app::server::realtime::{hub::CAPACITY, Event};
    let app = spawn_app().await;
    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let mut socket = connect_with_tiny_receive_window(&app, &cookie).await;
    listen(&mut socket, r#"{"listen":"cart_activity"}"#).await;
    // The test runtime has one thread, so this client reads nothing while three queues' worth
    // of 8 KiB events (24 MiB) is published: far more than the socket buffers take (at most
    // 4 MiB by default), so its queue overflows, as a stalled browser's would.
    let padding = "x".repeat(8 * 1024);
    for seq in 0..(CAPACITY as i64 * 3) {
        let payload = format!(r#"{{"cart_id":{seq},"op":"flood","version":1,"pad":"{padding}"}}"#);
        app.state
            .hub
            .publish(Event::from_notification(&payload).unwrap());
    }
    let mut frame = next_text(&mut socket).await;
    while frame[0] == "cart_activity" {
        frame = next_text(&mut socket).await;
    }
    assert_eq!(frame[0], "resync", "{frame}");
    assert_eq!(frame[1]["reason"], "lagged");
    assert!(frame[1]["missed"].as_u64().unwrap() > 0);
    // The connection stays usable: later events still arrive.
    app.state.hub.publish(
        Event::from_notification(r#"{"cart_id":999999,"op":"after","version":1}"#).unwrap(),
    );
    loop {
        let frame = next_text(&mut socket).await;
        if frame[0] == "cart_activity" && frame[1]["op"] == "after" {
            break;
        }
    }
}

/// A websocket whose TCP receive window is 4 KiB, so the server's sends to it block as soon
/// as it stops reading.
async fn connect_with_tiny_receive_window(app: &TestApp, cookie: &str) -> Socket {
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(4096).unwrap();
    let tcp = tcp.connect(app.address).await.unwrap();
    let (socket, _) = tokio_tungstenite::client_async(
        events_request(app, cookie),
        tokio_tungstenite::MaybeTlsStream::Plain(tcp),
    )
    .await
    .unwrap();
    socket
}

#[tokio::test]
async fn a_client_that_stops_reading_is_disconnected_without_holding_up_the_others() {
    use app::server::realtime::Event;
    let app = spawn_app().await;
    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let mut stalled = connect_with_tiny_receive_window(&app, &cookie).await;
    stalled
        .send(Message::text(r#"{"listen":"cart_activity"}"#))
        .await
        .unwrap();
    let mut reading = connect(&app, &cookie).await;
    listen(&mut reading, r#"{"listen":"cart_activity"}"#).await;
    wait_for(|| app.state.hub.connection_count() == 2).await;

    // 200 frames of 64 KiB: far more than the socket buffers between server and the
    // stalled client hold, far fewer than the queue that would make it resync.
    let padding = "x".repeat(64 * 1024);
    let events = 200;
    for version in 0..events {
        let payload =
            format!(r#"{{"cart_id":1,"op":"big","version":{version},"pad":"{padding}"}}"#);
        app.state
            .hub
            .publish(Event::from_notification(&payload).unwrap());
        tokio::task::yield_now().await;
    }
    let mut received = 0;
    while received < events {
        let frame = next_text(&mut reading).await;
        if frame[0] == "cart_activity" {
            assert_eq!(frame[1]["version"], received, "in order, none lost");
            received += 1;
        }
    }

    // The stalled client's send times out and its connection is dropped; nothing waits on it.
    wait_up_to(Duration::from_secs(20), || {
        app.state.hub.connection_count() == 1
    })
    .await;
    assert_eq!(
        app.state.hub.connection_count(),
        1,
        "only the reading client is left"
    );
    drop(stalled);
}

#[tokio::test]
async fn a_client_that_answers_pings_stays_connected_and_one_that_does_not_is_dropped() {
    let app = spawn_app_with(&[("APP_WS_PING_SECS", "1")]).await;
    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let mut answering = connect(&app, &cookie).await;
    listen(&mut answering, r#"{"listen":"cart_activity"}"#).await;
    // tungstenite answers each ping with a pong as long as the socket is being read.
    let answering = tokio::spawn(async move { while let Some(Ok(_)) = answering.next().await {} });
    // Never read again, so its pings go unanswered, as with a vanished network peer.
    let mut silent = connect(&app, &cookie).await;
    listen(&mut silent, r#"{"listen":"cart_activity"}"#).await;
    wait_for(|| app.state.hub.connection_count() == 2).await;

    // Pinged at 1 s, no pong by the next ping at 2 s: dropped.
    wait_up_to(Duration::from_secs(10), || {
        app.state.hub.connection_count() == 1
    })
    .await;
    assert_eq!(
        app.state.hub.connection_count(),
        1,
        "the silent client is dropped"
    );
    // Several ping rounds later the answering client is still there.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(app.state.hub.connection_count(), 1);
    assert!(
        !answering.is_finished(),
        "the answering client stays connected"
    );
    drop(silent);
}

#[tokio::test]
async fn a_rep_on_one_process_sees_a_change_made_on_another() {
    let a = spawn_app().await;
    let b = spawn_app_on(&a).await;
    let cookie = b.staff_cookie("ava", "rep-demo-pass").await;
    let mut socket = connect(&b, &cookie).await;
    listen(&mut socket, r#"{"listen":"cart_activity"}"#).await;

    let shopper = a.new_client();
    let cart = a.add_to_cart(&shopper, "socks-stripes", 1).await;
    let frame = next_text(&mut socket).await;
    assert_eq!(frame[1]["cart_id"], cart["cart_id"]);
}

/// Waits up to 5 s for `condition`; the caller asserts what it needs afterwards.
async fn wait_for(condition: impl Fn() -> bool) {
    wait_up_to(Duration::from_secs(5), condition).await;
}

async fn wait_up_to(limit: Duration, condition: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !condition() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Run by `scripts/nginx-check.sh` against two server processes behind nginx
/// (`TANDEM_PROXY_URL`); ignored in the normal test run.
#[tokio::test]
#[ignore = "needs scripts/nginx-check.sh"]
async fn through_the_reverse_proxy_every_change_reaches_a_rep_whichever_process_serves_it() {
    let base = std::env::var("TANDEM_PROXY_URL").expect("TANDEM_PROXY_URL");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = client
        .post(format!("{base}/admin/login"))
        .form(&[("username", "ava"), ("password", "rep-demo-pass")])
        .send()
        .await
        .unwrap();
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.contains("Path=/events"))
        .expect("staff cookie through the proxy")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let host = base.trim_start_matches("http://");
    let mut request = format!("ws://{host}/events/io")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket through nginx");
    listen(&mut socket, r#"{"listen":"cart_activity"}"#).await;

    let shopper = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let mut processes = std::collections::HashSet::new();
    let mut cart_id = serde_json::Value::Null;
    for _ in 0..6 {
        let id = Uuid::new_v4().to_string();
        let response = shopper
            .post(format!("{base}/api/cart/add"))
            .form(&[
                ("product_id", "13"),
                ("quantity", "1"),
                ("request_id", id.as_str()),
            ])
            .send()
            .await
            .unwrap();
        processes.insert(
            response.headers()["x-tandem-process"]
                .to_str()
                .unwrap()
                .to_string(),
        );
        let cart: serde_json::Value = response.json().await.unwrap();
        cart_id = cart["cart_id"].clone();
    }
    assert_eq!(
        processes.len(),
        2,
        "both processes served the shopper: {processes:?}"
    );
    // cart_created + six item changes, all heard on one connection to one process.
    let mut heard = 0;
    while heard < 7 {
        let frame = next_text(&mut socket).await;
        if frame[0] == "cart_activity" && frame[1]["cart_id"] == cart_id {
            heard += 1;
        }
    }
}

/// Run by `scripts/nginx-check.sh` after the test above: the process serving a rep's
/// websocket through nginx is stopped (SIGTERM); the rep hears 1001 (going away), reconnects
/// through nginx to the other process within 5 s and hears changes again.
#[tokio::test]
#[ignore = "needs scripts/nginx-check.sh"]
async fn through_the_reverse_proxy_a_stopping_process_sends_1001_and_the_rep_is_live_again_within_5_s(
) {
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    let base = std::env::var("TANDEM_PROXY_URL").expect("TANDEM_PROXY_URL");
    let host = base.trim_start_matches("http://").to_string();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = client
        .post(format!("{base}/admin/login"))
        .form(&[("username", "ava"), ("password", "rep-demo-pass")])
        .send()
        .await
        .unwrap();
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.contains("Path=/events"))
        .expect("staff cookie through the proxy")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let connect = || async {
        let mut request = format!("ws://{host}/events/io")
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
        let (mut socket, response) = tokio_tungstenite::connect_async(request).await?;
        listen(&mut socket, r#"{"listen":"cart_activity"}"#).await;
        let process = response.headers()["x-tandem-process"]
            .to_str()
            .unwrap()
            .to_string();
        Ok::<_, tokio_tungstenite::tungstenite::Error>((socket, process))
    };
    let (mut socket, process) = connect().await.expect("websocket through nginx");

    let stopped = tokio::process::Command::new("kill")
        .args(["-TERM", &process])
        .status()
        .await
        .unwrap();
    assert!(stopped.success(), "SIGTERM to process {process}");
    let started = std::time::Instant::now();
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|f| f.code),
            Ok(Some(Ok(_))) => continue,
            other => panic!("no close frame from the stopping process: {other:?}"),
        }
    };
    assert_eq!(code, Some(CloseCode::Away), "1001 going away");

    // The browser client reconnects with jitter; here, straight away and then every 100 ms.
    let (mut socket, other) = loop {
        match connect().await {
            Ok(connected) => break connected,
            Err(_) if started.elapsed() < Duration::from_secs(5) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(error) => panic!("not live again within 5 s: {error}"),
        }
    };
    assert_ne!(other, process, "served by the other process");
    assert!(started.elapsed() < Duration::from_secs(5));
    let shopper = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let id = Uuid::new_v4().to_string();
    let cart: serde_json::Value = shopper
        .post(format!("{base}/api/cart/add"))
        .form(&[
            ("product_id", "13"),
            ("quantity", "1"),
            ("request_id", id.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    loop {
        let frame = next_text(&mut socket).await;
        if frame[0] == "cart_activity" && frame[1]["cart_id"] == cart["cart_id"] {
            break;
        }
    }
}
