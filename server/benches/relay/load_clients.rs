//! The load generator: N websocket clients driven by a few plain epoll loops (mio), one
//! system call per delivered frame.
//!
//! The load generator shares the two cores with the server, so whatever it spends lands in
//! the measured latency. A task per client (tokio) costs a wake-up, a poll and a second
//! `read` that only says "nothing more" for every frame; here a readable socket is read once,
//! and a read that did not fill the buffer is taken to have drained it (epoll reports the
//! next arrival again, being edge-triggered on every arrival). Each client does only what a
//! rep's browser does for the relay: one upgrade, one `listen` message, read text frames,
//! answer pings.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream as StdTcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

const OP_TEXT: u8 = 0x1;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;
const OP_PONG: u8 = 0xA;

/// What the clients of one scenario heard, summed.
#[derive(Default)]
pub(crate) struct Heard {
    pub(crate) latencies_us: Vec<u32>,
    pub(crate) duplicates: u64,
}

/// Clients being driven by background threads; [`Running::finish`] collects what they heard.
pub(crate) struct Running {
    threads: Vec<std::thread::JoinHandle<Heard>>,
    stop: Arc<AtomicBool>,
    /// Clients whose `listen` the server has confirmed.
    pub(crate) ready: Arc<AtomicU64>,
    /// Clients that have every event (or were closed).
    pub(crate) done: Arc<AtomicU64>,
}

/// Opens `count` clients on `/events/io` with the staff `cookie`, each listening to all cart
/// activity and expecting `events` events numbered by their `version`, and drives them on
/// `threads` threads.
pub(crate) fn start(
    port: u16,
    cookie: &str,
    count: usize,
    events: usize,
    threads: usize,
) -> anyhow::Result<Running> {
    let mut clients = Vec::with_capacity(count);
    for _ in 0..count {
        clients.push(Client::connect(port, cookie, events)?);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let ready = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let per_thread = count.div_ceil(threads.max(1)).max(1);
    let mut handles = Vec::new();
    while !clients.is_empty() {
        let share: Vec<Client> = clients.drain(..per_thread.min(clients.len())).collect();
        let (stop, ready, done) = (stop.clone(), ready.clone(), done.clone());
        handles.push(std::thread::spawn(move || {
            drive(share, &stop, &ready, &done).unwrap_or_else(|error| {
                eprintln!("load generator thread failed: {error}");
                Heard::default()
            })
        }));
    }
    Ok(Running {
        threads: handles,
        stop,
        ready,
        done,
    })
}

impl Running {
    /// Stops the clients (those still waiting close now) and sums what they heard.
    pub(crate) fn finish(self) -> Heard {
        self.stop.store(true, Ordering::Relaxed);
        let mut heard = Heard::default();
        for thread in self.threads {
            if let Ok(mut part) = thread.join() {
                heard.latencies_us.append(&mut part.latencies_us);
                heard.duplicates += part.duplicates;
            }
        }
        heard
    }
}

/// One thread's event loop over its share of the clients.
fn drive(
    mut clients: Vec<Client>,
    stop: &AtomicBool,
    ready: &AtomicU64,
    done: &AtomicU64,
) -> anyhow::Result<Heard> {
    let mut poll = Poll::new()?;
    for (index, client) in clients.iter_mut().enumerate() {
        poll.registry()
            .register(&mut client.stream, Token(index), Interest::READABLE)?;
        // Bytes that came with the upgrade answer were never announced by epoll.
        client.take_frames(ready, done);
    }
    let mut open = clients.iter().filter(|c| !c.done).count();
    let mut events = Events::with_capacity(1024);
    while open > 0 && !stop.load(Ordering::Relaxed) {
        poll.poll(&mut events, Some(Duration::from_millis(50)))?;
        for event in &events {
            let client = &mut clients[event.token().0];
            if client.done {
                continue;
            }
            client.on_readable(ready, done);
            if client.done {
                open -= 1;
                let _ = poll.registry().deregister(&mut client.stream);
            }
        }
    }
    let mut heard = Heard::default();
    for mut client in clients {
        client.close();
        heard.latencies_us.append(&mut client.latencies_us);
        heard.duplicates += client.duplicates;
    }
    Ok(heard)
}

struct Client {
    stream: TcpStream,
    buffer: Vec<u8>,
    start: usize,
    end: usize,
    seen: Vec<bool>,
    latencies_us: Vec<u32>,
    duplicates: u64,
    done: bool,
}

impl Client {
    /// Upgrades with a blocking socket (setup is not measured), sends the `listen` message,
    /// then turns the socket non-blocking for the event loop.
    fn connect(port: u16, cookie: &str, events: usize) -> anyhow::Result<Self> {
        let mut stream = StdTcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        let request = format!(
            "GET /events/io HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\nCookie: {cookie}\r\n\r\n"
        );
        stream.write_all(request.as_bytes())?;
        let mut buffer = vec![0; 4096];
        let mut end = 0;
        let head_end = loop {
            if let Some(at) = find(&buffer[..end], b"\r\n\r\n") {
                break at + 4;
            }
            let read = stream.read(&mut buffer[end..])?;
            anyhow::ensure!(read > 0, "server closed during the upgrade");
            end += read;
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]);
        if !head.starts_with("HTTP/1.1 101") {
            anyhow::bail!(
                "upgrade refused: {}",
                head.lines().next().unwrap_or_default()
            );
        }
        stream.write_all(&client_frame(OP_TEXT, br#"{"listen":"cart_activity"}"#))?;
        stream.set_nonblocking(true)?;
        Ok(Self {
            stream: TcpStream::from_std(stream),
            buffer,
            start: head_end,
            end,
            seen: vec![false; events],
            latencies_us: Vec::with_capacity(events),
            duplicates: 0,
            done: false,
        })
    }

    /// Reads what arrived: once, unless the read filled the buffer.
    fn on_readable(&mut self, ready: &AtomicU64, done: &AtomicU64) {
        loop {
            if self.start > 0 {
                self.buffer.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.end == self.buffer.len() {
                self.buffer.resize(self.buffer.len() * 2, 0);
            }
            let room = self.buffer.len() - self.end;
            match self.stream.read(&mut self.buffer[self.end..]) {
                Ok(0) => return self.finish(done),
                Ok(read) => {
                    self.end += read;
                    self.take_frames(ready, done);
                    if read < room || self.done {
                        return;
                    }
                }
                Err(error) if error.kind() == ErrorKind::WouldBlock => return,
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(_) => return self.finish(done),
            }
        }
    }

    /// Handles every complete frame in the buffer.
    fn take_frames(&mut self, ready: &AtomicU64, done: &AtomicU64) {
        while let Some((opcode, payload_at, payload_len)) = self.complete_frame() {
            let frame_end = payload_at + payload_len;
            match opcode {
                OP_TEXT => {
                    let text = std::str::from_utf8(&self.buffer[payload_at..frame_end])
                        .unwrap_or_default();
                    if text.starts_with("[\"listening\"") {
                        ready.fetch_add(1, Ordering::Relaxed);
                    } else if text.starts_with("[\"cart_activity\"") {
                        let seq = number_after(text, "\"version\":").unwrap_or(0) as usize;
                        let sent = number_after(text, "\"sent_us\":").unwrap_or(0);
                        self.record(seq, sent);
                    }
                }
                OP_PING => {
                    let pong = client_frame(OP_PONG, &self.buffer[payload_at..frame_end]);
                    // A pong is a few bytes; an idle client's send buffer always has room.
                    let _ = self.stream.write_all(&pong);
                }
                OP_CLOSE => return self.finish(done),
                _ => {}
            }
            self.start = frame_end;
            if self.done {
                return;
            }
        }
        if self.latencies_us.len() >= self.seen.len() {
            self.finish(done);
        }
    }

    fn record(&mut self, seq: usize, sent_us: u64) {
        self.latencies_us
            .push(super::now_us().saturating_sub(sent_us) as u32);
        if let Some(seen) = self.seen.get_mut(seq) {
            if *seen {
                self.duplicates += 1;
            }
            *seen = true;
        }
    }

    fn finish(&mut self, done: &AtomicU64) {
        if !self.done {
            self.done = true;
            done.fetch_add(1, Ordering::Relaxed);
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

    /// Sends a close frame; the server's answer is not awaited.
    fn close(&mut self) {
        let _ = self
            .stream
            .write_all(&client_frame(OP_CLOSE, &1000u16.to_be_bytes()));
    }
}

/// A short client frame. A zero mask key leaves the payload as it is; the server only
/// requires the mask bit.
fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    debug_assert!(
        payload.len() < 126,
        "the load generator sends short messages only"
    );
    let mut frame = vec![0x80 | opcode, 0x80 | payload.len() as u8, 0, 0, 0, 0];
    frame.extend_from_slice(payload);
    frame
}

/// The unsigned number following `key` in `text` (spaces allowed after the colon).
fn number_after(text: &str, key: &str) -> Option<u64> {
    let rest = &text[text.find(key)? + key.len()..];
    let digits = rest.trim_start();
    let length = digits.bytes().take_while(u8::is_ascii_digit).count();
    digits[..length].parse().ok()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
