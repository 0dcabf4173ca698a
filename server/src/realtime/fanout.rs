//! Relays the hub's events to the `/events/io` connections from a few dedicated threads,
//! each writing every event's frame straight into the sockets of its share of the
//! connections.
//!
//! Why not a task per connection woken for each event: at ten thousand connections the
//! wake-ups, polls and per-connection framing cost more than the writes themselves and
//! saturated two cores. Here an event costs one frame encoding per thread and one
//! non-blocking write per connection; a connection's own task runs only when its client
//! sends something, a ping is due, or its socket was full (see `connection`).

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use app::model::live;
use app::server::realtime::{Event, Hub};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::broadcast::Receiver;

use super::connection::{Connection, Outgoing};
use tandem_ws::frame;

/// Connections taken from the registry per lock, so registering never waits long for a
/// fan-out in progress.
const CHUNK: usize = 256;

/// The fan-out threads and the connections they serve. Cheap to clone.
#[derive(Clone)]
pub struct Fanout {
    shards: Arc<[Shard]>,
    next_shard: Arc<AtomicUsize>,
}

/// One thread's connections.
#[derive(Default)]
struct Shard {
    slots: Mutex<Slots>,
}

#[derive(Default)]
struct Slots {
    connections: Vec<Option<Arc<Connection>>>,
    free: Vec<usize>,
}

impl Fanout {
    /// Starts `threads` fan-out threads listening to `hub`. They end when the hub does.
    pub fn start(hub: &Hub, threads: usize) -> std::io::Result<Self> {
        let shards: Arc<[Shard]> = (0..threads.max(1)).map(|_| Shard::default()).collect();
        for index in 0..shards.len() {
            let events = hub.subscribe();
            let shards = shards.clone();
            std::thread::Builder::new()
                .name(format!("events-fanout-{index}"))
                .spawn(move || relay_events(&shards[index], events))?;
        }
        Ok(Self {
            shards,
            next_shard: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Relays events to `connection` until the returned membership is dropped.
    pub fn add(&self, connection: Arc<Connection>) -> Membership {
        let shard = self.next_shard.fetch_add(1, Ordering::Relaxed) % self.shards.len();
        let mut slots = self.shards[shard].lock();
        let slot = match slots.free.pop() {
            Some(slot) => {
                slots.connections[slot] = Some(connection);
                slot
            }
            None => {
                slots.connections.push(Some(connection));
                slots.connections.len() - 1
            }
        };
        Membership {
            fanout: self.clone(),
            shard,
            slot,
        }
    }
}

/// Keeps a connection among the fan-out's while it lives.
pub struct Membership {
    fanout: Fanout,
    shard: usize,
    slot: usize,
}

impl Drop for Membership {
    fn drop(&mut self) {
        let mut slots = self.fanout.shards[self.shard].lock();
        slots.connections[self.slot] = None;
        slots.free.push(self.slot);
    }
}

impl Shard {
    fn lock(&self) -> MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands the events of `outgoing` to every connection of the shard.
    fn relay(&self, outgoing: &[Outgoing], batch: &mut Vec<Arc<Connection>>) {
        let mut from = 0;
        loop {
            batch.clear();
            {
                let slots = self.lock();
                let to = (from + CHUNK).min(slots.connections.len());
                if from >= to {
                    return;
                }
                batch.extend(slots.connections[from..to].iter().flatten().cloned());
                from = to;
            }
            for connection in batch.iter() {
                // A panic here would silently stop this shard's deliveries while pings keep
                // its connections looking healthy; none is known, but it must not end the
                // thread.
                let relayed = panic::catch_unwind(AssertUnwindSafe(|| connection.relay(outgoing)));
                if relayed.is_err() {
                    tracing::error!("relaying an event to a connection panicked");
                }
            }
        }
    }
}

/// Events one fan-out pass takes at most when it has fallen behind.
const MAX_BATCH: usize = 256;

/// One fan-out thread: every event from the hub, to every connection of its shard. When
/// events arrive faster than a pass over the shard, the next pass takes every event waiting,
/// and each socket gets them in one write (still one frame per event).
fn relay_events(shard: &Shard, mut events: Receiver<Event>) {
    let mut connections = Vec::with_capacity(CHUNK);
    let mut batch: Vec<Outgoing> = Vec::with_capacity(MAX_BATCH);
    loop {
        batch.clear();
        match events.blocking_recv() {
            Ok(event) => batch.extend(outgoing(event)),
            Err(RecvError::Lagged(missed)) => batch.push(lagged(missed)),
            Err(RecvError::Closed) => {
                return tracing::info!("the hub closed; fan-out thread ending");
            }
        }
        while batch.len() < MAX_BATCH {
            match events.try_recv() {
                Ok(event) => batch.extend(outgoing(event)),
                Err(TryRecvError::Lagged(missed)) => batch.push(lagged(missed)),
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
            }
        }
        if !batch.is_empty() {
            shard.relay(&batch, &mut connections);
        }
    }
}

/// What a hub event becomes on the sockets; `None` for events that are not for clients.
fn outgoing(event: Event) -> Option<Outgoing> {
    match event {
        Event::Activity { cart_id, frame, .. } => Some(Outgoing {
            cart_id: Some(cart_id),
            frame: frame::text(frame.as_str()),
        }),
        Event::Resync { frame } => Some(Outgoing {
            cart_id: None,
            frame: frame::text(frame.as_str()),
        }),
        // Not for clients: the access watch acts on these.
        Event::Staff(_) => None,
    }
}

/// The fan-out itself fell `missed` events behind the hub: every client resyncs.
fn lagged(missed: u64) -> Outgoing {
    tracing::warn!(
        missed,
        "the fan-out fell behind; asking its clients to resync"
    );
    metrics::counter!("tandem_resyncs_total", "reason" => "lagged").increment(1);
    Outgoing {
        cart_id: None,
        frame: frame::text(&live::resync_frame("lagged", Some(missed))),
    }
}
