//! A websocket echo server built on `tandem_ws`'s handshake and framing, for the
//! Autobahn|Testsuite conformance run (`scripts/autobahn.sh`). Not part of the product: it
//! echoes every text and binary message, answers pings and closes as the RFC says.
//!
//! Run: `cargo run -p tandem-ws --example echo -- 9001`.

use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Version};
use tandem_ws::frame::{self, ClientMessage, ClientReader};
use tandem_ws::handshake::accept_key;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The echo server's own message limit; the relay keeps 64 KiB.
const MAX_MESSAGE: usize = 16 * 1024 * 1024;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|port| port.parse().ok())
        .unwrap_or(9001);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("echo server listening on 127.0.0.1:{port}");
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let _ = serve(stream).await;
        });
    }
}

async fn serve(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut chunk = vec![0u8; 64 * 1024];
    let mut head = Vec::new();
    let rest = loop {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(());
        }
        head.extend_from_slice(&chunk[..read]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break head.split_off(end + 4);
        }
        if head.len() > 16 * 1024 {
            return Ok(());
        }
    };
    let Some((version, headers)) = parse_request(&head) else {
        return stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
    };
    let Ok(accept) = accept_key(version, &headers) else {
        return stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
    };
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        accept.to_str().unwrap_or_default()
    );
    stream.write_all(answer.as_bytes()).await?;

    let mut reader = ClientReader::new(MAX_MESSAGE);
    reader.extend(&rest);
    loop {
        loop {
            match reader.next_message() {
                Ok(Some(ClientMessage::Text(text))) => {
                    stream.write_all(&frame::text(&text)).await?
                }
                Ok(Some(ClientMessage::Binary(bytes))) => {
                    stream.write_all(&frame::binary(&bytes)).await?
                }
                Ok(Some(ClientMessage::Ping(payload))) => {
                    stream.write_all(&frame::pong(&payload)).await?
                }
                Ok(Some(ClientMessage::Pong)) => {}
                Ok(Some(ClientMessage::Close(code))) => {
                    stream.write_all(&frame::close_reply(code)).await?;
                    return stream.shutdown().await;
                }
                Ok(None) => break,
                Err(violation) => {
                    // As the relay does: the close frame, then our end of the TCP connection
                    // (the server closes first, RFC 6455 §7.1.1), then read what the client
                    // still sends until it closes too.
                    stream
                        .write_all(&frame::close(violation.close_code(), violation.reason()))
                        .await?;
                    stream.shutdown().await?;
                    let _ = tokio::time::timeout(Duration::from_secs(2), async {
                        while stream.read(&mut chunk).await.unwrap_or(0) > 0 {}
                    })
                    .await;
                    return Ok(());
                }
            }
        }
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(());
        }
        reader.extend(&chunk[..read]);
    }
}

/// The request's HTTP version and headers, if it is a well-formed request head.
fn parse_request(head: &[u8]) -> Option<(Version, HeaderMap)> {
    let mut raw = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut raw);
    request.parse(head).ok()?;
    let version = match request.version? {
        1 => Version::HTTP_11,
        _ => Version::HTTP_10,
    };
    let mut headers = HeaderMap::new();
    for header in request.headers.iter() {
        headers.append(
            HeaderName::from_bytes(header.name.as_bytes()).ok()?,
            HeaderValue::from_bytes(header.value).ok()?,
        );
    }
    Some((version, headers))
}
