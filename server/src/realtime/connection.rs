//! One `/events/io` connection's shared half: the upgraded socket, the client's subscription
//! and the bounded queue of frames the socket could not take at once.
//!
//! Two parties write to a connection: a fan-out thread relays events, and the connection's
//! own task sends replies, pings and the close frame. Both go through one lock, so frames
//! never interleave. A frame goes straight into the socket when nothing is queued (the
//! usual case: one system call, no task woken); otherwise it joins the queue, which the
//! connection's task drains as the socket makes room.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{ready, Context, Poll, Waker};

use app::server::realtime::hub;
use bytes::{Buf, Bytes};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

use app::model::live::{self, Subscription};
use tandem_ws::frame;

/// Relayed events a connection may have waiting; past that it misses events and is told to
/// resync once it has caught up, so a slow client never holds up the others or grows without
/// bound. The connection's own frames (replies, pings, pongs, the close) are never dropped;
/// they stay few because its task reads nothing from the client while draining.
pub const QUEUE_CAPACITY: usize = hub::CAPACITY;
/// At most this many queued frames go to the socket in one write.
const FRAMES_PER_WRITE: usize = 64;

/// An event as the fan-out relays it: which connections want it, and its frame.
pub struct Outgoing {
    /// The cart it is about; `None` for a resync, which every listening connection gets.
    pub cart_id: Option<i64>,
    pub frame: Bytes,
}

pub struct Connection {
    state: Mutex<State>,
    /// Wakes the connection's task when frames wait in the queue or a write failed.
    pub drain_needed: Notify,
    /// Wakes the connection's task when the staff session behind it ended (see `access`).
    pub revoked: Notify,
}

struct State {
    io: TokioIo<Upgraded>,
    subscription: Subscription,
    /// Frames not yet written, oldest first; the front one may be the unwritten rest of a
    /// frame the socket took only part of.
    queue: VecDeque<Bytes>,
    /// Events dropped while the queue was full; a resync frame follows once it has drained.
    missed: u64,
    /// The close frame is on its way: no more events.
    closing: bool,
    /// A write failed; the connection's task ends with this error.
    failed: Option<io::Error>,
}

/// How far [`Connection::poll_drain`] got.
pub enum Drained {
    All,
    /// Some frames were written, then the socket was full.
    SocketFull,
}

impl Connection {
    pub fn new(io: TokioIo<Upgraded>) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State {
                io,
                subscription: Subscription::None,
                queue: VecDeque::new(),
                missed: 0,
                closing: false,
                failed: None,
            }),
            drain_needed: Notify::new(),
            revoked: Notify::new(),
        })
    }

    /// Ends the connection's right to events: from this moment nothing more is relayed (under
    /// the same lock as every relay, so no fan-out write can slip past), and its task is told
    /// to close it with 1008.
    pub fn revoke(&self) {
        self.lock().closing = true;
        self.revoked.notify_one();
    }

    /// Relays the events of `batch` the client listens for, in order; when the socket has
    /// room, all of them go out in one write (a fan-out pass that fell behind takes every
    /// waiting event at once). Called by a fan-out thread.
    pub fn relay(&self, batch: &[Outgoing]) {
        let mut state = self.lock();
        if state.closing || state.subscription == Subscription::None {
            return;
        }
        let subscription = state.subscription;
        let mut wanted = batch.iter().filter(|outgoing| match outgoing.cart_id {
            Some(cart_id) => subscription.wants(cart_id),
            None => true,
        });
        let mut frames: [Option<Bytes>; FRAMES_PER_WRITE] = [const { None }; FRAMES_PER_WRITE];
        let mut count = 0;
        for outgoing in wanted.by_ref() {
            // Once one event is missed the later ones are dropped too until the resync: the
            // client refetches everything then, and events after a gap would only mislead it.
            if state.missed > 0 || state.queue.len() + count >= QUEUE_CAPACITY {
                state.missed += 1;
                continue;
            }
            frames[count] = Some(outgoing.frame.clone());
            count += 1;
            if count == FRAMES_PER_WRITE {
                self.push_all(&mut state, &mut frames[..count]);
                count = 0;
            }
        }
        if count > 0 {
            self.push_all(&mut state, &mut frames[..count]);
        }
    }

    /// Writes `frames` (taken out of the slots) in one vectored write when nothing is queued,
    /// queueing whatever the socket did not take; otherwise queues them all.
    fn push_all(&self, state: &mut State, frames: &mut [Option<Bytes>]) {
        if frames.len() == 1 {
            if let Some(frame) = frames[0].take() {
                self.push(state, frame);
            }
            return;
        }
        if state.failed.is_some() {
            return;
        }
        if !state.queue.is_empty() {
            state
                .queue
                .extend(frames.iter_mut().filter_map(Option::take));
            return;
        }
        // Nothing queued: straight into the socket, as in `push` (same reasoning for the
        // no-op waker).
        let mut slices = [IoSlice::new(&[]); FRAMES_PER_WRITE];
        for (slice, frame) in slices.iter_mut().zip(frames.iter()) {
            *slice = IoSlice::new(frame.as_deref().unwrap_or_default());
        }
        let mut no_wake = Context::from_waker(Waker::noop());
        let written = match Pin::new(&mut state.io)
            .poll_write_vectored(&mut no_wake, &slices[..frames.len()])
        {
            Poll::Ready(Ok(written)) => written,
            Poll::Pending => 0,
            Poll::Ready(Err(error)) => {
                state.failed = Some(error);
                self.drain_needed.notify_one();
                return;
            }
        };
        let mut skip = written;
        for frame in frames.iter_mut().filter_map(Option::take) {
            if skip >= frame.len() {
                skip -= frame.len();
            } else {
                state.queue.push_back(frame.slice(skip..));
                skip = 0;
            }
        }
        if !state.queue.is_empty() {
            self.drain_needed.notify_one();
        }
    }

    /// Sends one of the connection's own frames (a reply or a ping); these are never dropped.
    pub fn send(&self, frame: Bytes) {
        let mut state = self.lock();
        self.push(&mut state, frame);
    }

    /// Changes what the client listens to and confirms it with `reply`, under one lock: every
    /// event relayed after the confirmation matches the new subscription.
    pub fn subscribe(&self, subscription: Subscription, reply: Bytes) {
        let mut state = self.lock();
        state.subscription = subscription;
        self.push(&mut state, reply);
    }

    /// Sends the close frame; nothing is relayed after it. Queued events are dropped (all but
    /// a partly written frame, which must be finished), so the close goes out next even to a
    /// client that is closed for being too slow.
    pub fn start_closing(&self, close: Bytes) {
        let mut state = self.lock();
        state.closing = true;
        state.queue.truncate(1);
        self.push(&mut state, close);
    }

    fn push(&self, state: &mut State, frame: Bytes) {
        if state.failed.is_some() {
            return;
        }
        if !state.queue.is_empty() {
            state.queue.push_back(frame);
            return;
        }
        // Nothing queued: straight into the socket. The no-op waker is enough here: when the
        // socket is full the frame is queued, and the connection's task, notified below,
        // waits for room with its own waker. This is sound only because the task waits for
        // room only while the queue is non-empty, and then nothing writes here directly: the
        // socket keeps one writer waker, and a direct write would replace the task's.
        debug_assert!(state.queue.is_empty());
        let mut no_wake = Context::from_waker(Waker::noop());
        match Pin::new(&mut state.io).poll_write(&mut no_wake, &frame) {
            Poll::Ready(Ok(written)) if written == frame.len() => return,
            Poll::Ready(Ok(written)) => state.queue.push_back(frame.slice(written..)),
            Poll::Pending => state.queue.push_back(frame),
            Poll::Ready(Err(error)) => state.failed = Some(error),
        }
        self.drain_needed.notify_one();
    }

    /// Writes queued frames, several per system call, then the resync owed for missed
    /// events. `Pending` (woken when the socket has room) only when nothing could be written.
    pub fn poll_drain(&self, cx: &mut Context<'_>) -> Poll<io::Result<Drained>> {
        let mut guard = self.lock();
        let state = &mut *guard;
        if let Some(error) = state.failed.take() {
            return Poll::Ready(Err(error));
        }
        let mut progressed = false;
        loop {
            if state.queue.is_empty() {
                if state.missed == 0 || state.closing {
                    return Poll::Ready(Ok(Drained::All));
                }
                let missed = std::mem::take(&mut state.missed);
                tracing::warn!(missed, "fell behind; asking the client to resync");
                metrics::counter!("tandem_resyncs_total", "reason" => "lagged").increment(1);
                let resync = live::resync_frame("lagged", Some(missed));
                state.queue.push_back(frame::text(&resync));
            }
            let mut slices = [IoSlice::new(&[]); FRAMES_PER_WRITE];
            let count = state.queue.len().min(FRAMES_PER_WRITE);
            for (slice, frame) in slices.iter_mut().zip(&state.queue) {
                *slice = IoSlice::new(frame);
            }
            let written = match Pin::new(&mut state.io).poll_write_vectored(cx, &slices[..count]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(written)) => written,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending if progressed => return Poll::Ready(Ok(Drained::SocketFull)),
                Poll::Pending => return Poll::Pending,
            };
            progressed = true;
            consume(&mut state.queue, written);
        }
    }

    /// Reads what the client sent into `buffer`; 0 means it closed the connection.
    pub fn poll_read(&self, cx: &mut Context<'_>, buffer: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut state = self.lock();
        let mut read = ReadBuf::new(buffer);
        ready!(Pin::new(&mut state.io).poll_read(cx, &mut read))?;
        Poll::Ready(Ok(read.filled().len()))
    }

    /// Ends the server's side of the TCP connection (after the close frame).
    pub fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.lock().io).poll_shutdown(cx)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the state consistent (each change is one
        // assignment or push), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Drops `written` bytes from the front of the queue.
fn consume(queue: &mut VecDeque<Bytes>, mut written: usize) {
    while written > 0 {
        let Some(front) = queue.front_mut() else {
            return;
        };
        if written < front.len() {
            front.advance(written);
            return;
        }
        written -= front.len();
        queue.pop_front();
    }
}
