//! The load generator's websocket client: the upgrade written by hand, then server frames
//! read straight off the socket into one small buffer.
//!
//! Ten thousand full websocket clients cost the shared two cores about as much as the server
//! does, and their cost lands in the measured latency. This client does only what the relay
//! needs from a rep's browser (send one text message, read text frames, answer pings), with
//! no per-message allocation, so the figures are the server's.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const OP_TEXT: u8 = 0x1;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;
const OP_PONG: u8 = 0xA;

pub(crate) struct WsReader {
    stream: TcpStream,
    buffer: Vec<u8>,
    start: usize,
    end: usize,
}

impl WsReader {
    /// Opens `/events/io` on `port` with the staff `cookie`; fails unless the server answers 101.
    pub(crate) async fn connect(port: u16, cookie: &str) -> anyhow::Result<Self> {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        let request = format!(
            "GET /events/io HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\nCookie: {cookie}\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut reader = Self {
            stream,
            buffer: vec![0; 4096],
            start: 0,
            end: 0,
        };
        let head_end = loop {
            if let Some(at) = find(&reader.buffer[..reader.end], b"\r\n\r\n") {
                break at + 4;
            }
            reader.fill().await?;
        };
        let head = String::from_utf8_lossy(&reader.buffer[..head_end]).into_owned();
        if !head.starts_with("HTTP/1.1 101") {
            anyhow::bail!(
                "upgrade refused: {}",
                head.lines().next().unwrap_or_default()
            );
        }
        reader.start = head_end;
        Ok(reader)
    }

    /// Sends one text message (masked, as a client must).
    pub(crate) async fn send_text(&mut self, text: &str) -> anyhow::Result<()> {
        self.send(OP_TEXT, text.as_bytes()).await
    }

    /// The next text message, or `None` once the server closes. Pings are answered here.
    pub(crate) async fn next_text(&mut self) -> anyhow::Result<Option<&str>> {
        loop {
            if let Some((opcode, payload_at, payload_len)) = self.complete_frame() {
                let frame_end = payload_at + payload_len;
                match opcode {
                    OP_TEXT => {
                        self.start = frame_end;
                        let payload = &self.buffer[payload_at..frame_end];
                        return Ok(Some(std::str::from_utf8(payload)?));
                    }
                    OP_PING => {
                        let payload = self.buffer[payload_at..frame_end].to_vec();
                        self.start = frame_end;
                        self.send(OP_PONG, &payload).await?;
                    }
                    OP_CLOSE => return Ok(None),
                    _ => self.start = frame_end,
                }
                continue;
            }
            if self.fill().await? == 0 {
                return Ok(None);
            }
        }
    }

    /// Opcode, payload offset and length of the frame at `start`, if all of it is buffered.
    /// Server frames are never masked and, here, never fragmented.
    fn complete_frame(&self) -> Option<(u8, usize, usize)> {
        let bytes = &self.buffer[self.start..self.end];
        if bytes.len() < 2 {
            return None;
        }
        let opcode = bytes[0] & 0x0F;
        let (header, length) = match bytes[1] & 0x7F {
            126 if bytes.len() >= 4 => (4, u16::from_be_bytes([bytes[2], bytes[3]]) as usize),
            127 if bytes.len() >= 10 => (
                10,
                u64::from_be_bytes(bytes[2..10].try_into().ok()?) as usize,
            ),
            126 | 127 => return None,
            short => (2, short as usize),
        };
        (bytes.len() >= header + length).then_some((opcode, self.start + header, length))
    }

    /// Reads more bytes, first moving a partial frame to the front (or growing the buffer
    /// for a frame larger than it).
    async fn fill(&mut self) -> anyhow::Result<usize> {
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buffer.len() {
            self.buffer.resize(self.buffer.len() * 2, 0);
        }
        let read = self.stream.read(&mut self.buffer[self.end..]).await?;
        self.end += read;
        Ok(read)
    }

    async fn send(&mut self, opcode: u8, payload: &[u8]) -> anyhow::Result<()> {
        anyhow::ensure!(
            payload.len() < 126,
            "the load generator sends short messages only"
        );
        // A zero mask key leaves the payload as it is; the server only requires the mask bit.
        let mut frame = vec![0x80 | opcode, 0x80 | payload.len() as u8, 0, 0, 0, 0];
        frame.extend_from_slice(payload);
        self.stream.write_all(&frame).await?;
        Ok(())
    }

    /// Sends a close frame; the server's answer is not awaited.
    pub(crate) async fn close(mut self) {
        let _ = self.send(OP_CLOSE, &1000u16.to_be_bytes()).await;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
