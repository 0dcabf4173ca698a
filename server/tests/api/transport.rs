//! Transport limits, readiness, metrics and graceful shutdown, tried with raw sockets where a
//! well-behaved client library would hide what is being tested.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

/// Whether the server closed `stream` (or reset it) within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

/// Reads until the end of a response head; its status.
async fn response_status(stream: &mut TcpStream, within: Duration) -> Option<u16> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    tokio::time::timeout(within, async {
        while !head.ends_with(b"\r\n\r\n") {
            if stream.read(&mut byte).await.ok()? == 0 {
                return None;
            }
            head.push(byte[0]);
        }
        String::from_utf8_lossy(&head)
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    })
    .await
    .ok()
    .flatten()
}

#[tokio::test]
async fn clients_that_send_half_their_headers_are_dropped_after_the_header_timeout() {
    let app = spawn_app_with(&[("APP_HEADER_READ_TIMEOUT_SECS", "1")]).await;
    let mut sockets = Vec::new();
    for _ in 0..50 {
        let mut socket = TcpStream::connect(app.address).await.unwrap();
        socket
            .write_all(b"GET / HTTP/1.1\r\nHost: shop.test\r\nX-Slow: ")
            .await
            .unwrap();
        sockets.push(socket);
    }
    for (index, socket) in sockets.iter_mut().enumerate() {
        assert!(
            closed_within(socket, Duration::from_secs(4)).await,
            "half-sent request {index} was still open"
        );
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413_and_a_sentence() {
    let app = spawn_app().await;
    let big = "x".repeat(200 * 1024);
    let response = app
        .client
        .post(app.url("/api/cart/add"))
        .form(&[("product_id", "1"), ("quantity", &big)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("too large"),
        "{body}"
    );

    // The same without a length announced up front: chunked, on a raw socket.
    let mut socket = TcpStream::connect(app.address).await.unwrap();
    socket
        .write_all(b"POST /api/cart/add HTTP/1.1\r\nHost: shop.test\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")
        .await
        .unwrap();
    let chunk = vec![b'x'; 16 * 1024];
    for _ in 0..8 {
        let _ = socket
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await;
        let _ = socket.write_all(&chunk).await;
        let _ = socket.write_all(b"\r\n").await;
    }
    let _ = socket.write_all(b"0\r\n\r\n").await;
    assert_eq!(
        response_status(&mut socket, Duration::from_secs(5)).await,
        Some(413)
    );
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let app = spawn_app_with(&[("APP_MAX_CONNECTIONS", "3")]).await;
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(TcpStream::connect(app.address).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fourth = TcpStream::connect(app.address).await.unwrap();
    fourth
        .write_all(b"GET /health HTTP/1.1\r\nHost: shop.test\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(
        response_status(&mut fourth, Duration::from_millis(700)).await,
        None,
        "not served while three connections are open"
    );
    drop(idle.pop());
    assert_eq!(
        response_status(&mut fourth, Duration::from_secs(3)).await,
        Some(200),
        "served once one closed"
    );
}

async fn websocket(app: &TestApp, cookie: &str) -> Result<Socket, u16> {
    let mut request = format!("ws://{}/events/io", app.address)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(other) => panic!("{other}"),
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[tokio::test]
async fn a_staff_member_may_hold_only_so_many_live_sockets() {
    let app = spawn_app_with(&[("APP_WS_MAX_PER_STAFF", "2")]).await;
    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let first = websocket(&app, &cookie).await.expect("first");
    let _second = websocket(&app, &cookie).await.expect("second");
    assert_eq!(websocket(&app, &cookie).await.err(), Some(429));
    let other = app.staff_cookie("ben", "rep-demo-pass").await;
    assert!(
        websocket(&app, &other).await.is_ok(),
        "another member is not affected"
    );
    drop(first);
    let mut third = None;
    for _ in 0..50 {
        if let Ok(socket) = websocket(&app, &cookie).await {
            third = Some(socket);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(third.is_some(), "a place frees up when a socket closes");
}

/// A raw websocket: the upgrade by hand, then bytes as the test writes them.
async fn raw_websocket(app: &TestApp, cookie: &str) -> TcpStream {
    let mut stream = TcpStream::connect(app.address).await.unwrap();
    let request = format!(
        "GET /events/io HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: {cookie}\r\n\r\n",
        app.address
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    assert_eq!(
        response_status(&mut stream, Duration::from_secs(5)).await,
        Some(101)
    );
    stream
}

/// A masked client frame.
fn client_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [1u8, 2, 3, 4];
    let mut frame = vec![
        (if fin { 0x80 } else { 0 }) | opcode,
        0x80 | payload.len() as u8,
    ];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

/// Server frames read off `stream` for `period`: (opcode, payload).
async fn frames_for(stream: &mut TcpStream, period: Duration) -> Vec<(u8, Vec<u8>)> {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + period;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(read)) if read > 0 => bytes.extend_from_slice(&buffer[..read]),
            _ => break,
        }
    }
    let mut frames = Vec::new();
    let mut at = 0;
    while at + 2 <= bytes.len() {
        let opcode = bytes[at] & 0x0F;
        let length = usize::from(bytes[at + 1] & 0x7F);
        let (length, start) = match length {
            126 => (
                usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]])),
                at + 4,
            ),
            short => (short, at + 2),
        };
        frames.push((
            opcode,
            bytes[start..(start + length).min(bytes.len())].to_vec(),
        ));
        at = start + length;
    }
    frames
}

#[tokio::test]
async fn a_burst_of_pings_gets_one_pong() {
    let app = spawn_app().await;
    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let mut stream = raw_websocket(&app, &cookie).await;
    let mut burst = Vec::new();
    for n in 0..100u8 {
        burst.extend(client_frame(true, 0x9, &[n]));
    }
    stream.write_all(&burst).await.unwrap();
    let pongs: Vec<Vec<u8>> = frames_for(&mut stream, Duration::from_millis(800))
        .await
        .into_iter()
        .filter(|(opcode, _)| *opcode == 0xA)
        .map(|(_, payload)| payload)
        .collect();
    assert!(
        !pongs.is_empty() && pongs.len() <= 3,
        "{} pongs for 100 pings",
        pongs.len()
    );
    assert_eq!(
        pongs.last(),
        Some(&vec![99]),
        "the last ping is the one answered"
    );
}

#[tokio::test]
async fn a_fragmented_message_left_open_is_closed_with_1008() {
    let app = spawn_app_with(&[("APP_WS_FRAGMENT_SECS", "1")]).await;
    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let mut stream = raw_websocket(&app, &cookie).await;
    stream
        .write_all(&client_frame(false, 0x1, b"{\"listen\":"))
        .await
        .unwrap();
    let frames = frames_for(&mut stream, Duration::from_secs(3)).await;
    let close = frames
        .iter()
        .find(|(opcode, _)| *opcode == 0x8)
        .expect("a close frame");
    assert_eq!(&close.1[..2], &1008u16.to_be_bytes());
}

#[tokio::test]
async fn readiness_says_which_dependency_is_up() {
    let app = spawn_app().await;
    // The LISTEN connection is made in the background at start: ready shortly after.
    let mut response = app.client.get(app.url("/readyz")).send().await.unwrap();
    for _ in 0..100 {
        if response.status().as_u16() == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        response = app.client.get(app.url("/readyz")).send().await.unwrap();
    }
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"postgres": "ok", "redis": "ok", "listen": "ok"})
    );
    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address_in_prometheus_format() {
    let app = spawn_app_with(&[("APP_METRICS_ADDR", "127.0.0.1:0")]).await;
    let shopper = app.new_client();
    app.add_to_cart(&shopper, "socks-stripes", 1).await;
    let _ = app.client.get(app.url("/admin/login")).send().await;
    let _ = app
        .client
        .post(app.url("/admin/login"))
        .form(&[("username", "ben"), ("password", "wrong")])
        .send()
        .await;
    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let _socket = websocket(&app, &cookie).await.unwrap();
    let metrics_address = app.metrics_address.expect("metrics are on");
    // The relay counts cart events it hears from Postgres; the process may not be listening
    // yet when the first add is made, so the cart changes until one is heard (at most 10 s).
    let mut text = String::new();
    for _ in 0..50 {
        text = reqwest::get(format!("http://{metrics_address}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text.contains("tandem_events_relayed_total") {
            break;
        }
        app.add_to_cart(&shopper, "socks-stripes", 1).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for name in [
        "tandem_server_fn_seconds_bucket",
        "tandem_live_sockets",
        "tandem_events_relayed_total",
        "tandem_login_failures_total",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    assert!(
        text.contains("name=\"/api/cart/add\""),
        "latency by function name"
    );
    let public = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status().as_u16(), 404, "not on the public site");
}

#[tokio::test]
async fn shutting_down_closes_a_thousand_websockets_with_1001_and_ends_event_streams() {
    let app = spawn_app_with(&[("APP_WS_MAX_PER_STAFF", "2000")]).await;
    let cookie = app.staff_cookie("ava", "rep-demo-pass").await;
    let clients: u32 = std::env::var("TANDEM_SHUTDOWN_CLIENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let mut sockets = Vec::new();
    for _ in 0..clients {
        let mut socket = websocket(&app, &cookie).await.expect("websocket");
        socket
            .send(Message::text(r#"{"listen":"cart_activity"}"#))
            .await
            .unwrap();
        sockets.push(socket);
    }
    let shopper = app.new_client();
    app.add_to_cart(&shopper, "socks-stripes", 1).await;
    let mut stream = app.shopper_stream(&shopper).await;

    let started = tokio::time::Instant::now();
    app.state.shutdown.cancel();
    let watchers = sockets.into_iter().map(|mut socket| async move {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
                Ok(Some(Ok(Message::Close(Some(frame))))) => return Some(frame.code),
                Ok(Some(Ok(_))) => continue,
                _ => return None,
            }
        }
    });
    let codes = futures::future::join_all(watchers).await;
    let going_away = codes
        .iter()
        .filter(|code| **code == Some(CloseCode::Away))
        .count();
    assert_eq!(going_away, clients as usize, "every client saw 1001");
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the shopper's event stream ended");
    let stopped = tokio::time::timeout(Duration::from_secs(10), app.running)
        .await
        .expect("stopped within the grace period")
        .unwrap();
    assert!(stopped.is_ok(), "{stopped:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        TcpStream::connect(app.address).await.is_err(),
        "no longer accepting"
    );
}
