//! Fan-out of cart events to every connection of this process, and the registry of those
//! connections for the status page.
//!
//! Events carry their pre-rendered text frame, shared by reference count. The broadcast
//! channel's subscribers are the websocket fan-out threads (one per core, each writing to its
//! share of the staff connections); it is bounded: a subscriber more than `CAPACITY` events
//! behind is told to resync instead of slowing the sender or the others. Shoppers' event
//! streams are not on it: each subscribes to its own cart ([`Hub::subscribe_cart`]) and hears
//! that cart's events only, so an open stream costs nothing when other carts change. Staff
//! notices have a channel of their own. Changes to what cart summaries and catalog pages show
//! beyond a cart's version (prices, stock, customers) move the hub's epochs, which caches
//! compare with what they hold.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, mpsc};

use super::cart_clock::CartClock;

/// Events a subscriber (and, in the websocket relay, a connection) may fall behind before it
/// must resync.
pub const CAPACITY: usize = 1024;
/// Staff notices a subscriber may fall behind before it must check everything again.
const STAFF_CAPACITY: usize = 256;

/// A pre-rendered text frame; cloning it shares the bytes (no copy per connection).
pub type Frame = axum::extract::ws::Utf8Bytes;

/// Something every subscriber hears.
#[derive(Clone, Debug)]
pub enum Event {
    /// A cart changed: its id (for filtering), whether it is still active, the payload as
    /// the database sent it, and the frame `["cart_activity",<payload>]`.
    Activity {
        cart_id: i64,
        active: bool,
        /// Whether the change shows on the shopper's own pages: everything but the shopper's
        /// own comings and goings (which happen on every page load).
        shows_to_shopper: bool,
        payload: Arc<str>,
        frame: Frame,
    },
    /// Events may have been lost (the LISTEN connection dropped): refetch everything.
    Resync { frame: Frame },
    /// A staff account changed or a staff session ended: live sockets must be re-checked.
    /// Published on the staff channel only ([`Hub::subscribe_staff`]).
    Staff(StaffNotice),
}

/// What a `staff_activity` notification says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaffNotice {
    /// The member's account was deactivated, deleted or given other roles.
    Changed { staff_id: i64 },
    /// A session ended (logout); `session_key` is `server::staff::session_key` of its id.
    SessionEnded { session_key: String },
}

impl StaffNotice {
    /// Reads a `staff_activity` payload; `None` when it is not one.
    pub fn from_notification(payload: &str) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_str(payload).ok()?;
        match value.get("op")?.as_str()? {
            "staff_changed" => Some(StaffNotice::Changed {
                staff_id: value.get("staff_id")?.as_i64()?,
            }),
            "session_ended" => Some(StaffNotice::SessionEnded {
                session_key: value.get("session")?.as_str()?.to_string(),
            }),
            _ => None,
        }
    }
}

impl Event {
    /// Builds the relay frame around a notification payload, which is passed on unchanged.
    /// `None` when the payload is not a JSON object with a numeric `cart_id`.
    pub fn from_notification(payload: &str) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_str(payload).ok()?;
        let object = value.as_object()?;
        let cart_id = object.get("cart_id")?.as_i64()?;
        let active = object
            .get("status")
            .and_then(|status| status.as_str())
            .is_none_or(|status| status == "active");
        let op = object.get("op").and_then(|op| op.as_str()).unwrap_or("");
        Some(Event::Activity {
            cart_id,
            active,
            shows_to_shopper: !matches!(op, "shopper_online" | "shopper_offline"),
            payload: Arc::from(payload),
            frame: crate::model::live::activity_frame(payload).into(),
        })
    }

    /// A resync frame: `["resync",{"reason":...}]`.
    pub fn resync(reason: &str) -> Self {
        Event::Resync {
            frame: crate::model::live::resync_frame(reason, None).into(),
        }
    }
}

/// What a shopper's event stream hears about its cart.
#[derive(Clone, Debug)]
pub enum CartEvent {
    /// The cart changed: the payload as the database sent it, and whether it is still active.
    Activity { payload: Arc<str>, active: bool },
    /// Events may have been missed: refetch.
    Resync,
}

/// Events a shopper's stream may have waiting before it is told to resync.
const STREAM_CAPACITY: usize = 64;

/// One shopper stream's place in the per-cart index.
struct StreamSlot {
    id: u64,
    sender: mpsc::Sender<CartEvent>,
    /// Set when an event could not be queued: the stream resyncs once it has caught up.
    lagged: Arc<AtomicBool>,
}

/// What a cart change announced on `catalog_activity` was about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatalogChange {
    /// A product's price, name or description, or a product added or removed.
    Prices,
    /// Only a product's stock.
    Stock,
    /// A customer's name, email or standing.
    Customers,
}

impl CatalogChange {
    /// Reads a `catalog_activity` payload.
    pub fn from_notification(payload: &str) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_str(payload).ok()?;
        match value.get("what")?.as_str()? {
            "prices" => Some(CatalogChange::Prices),
            "stock" => Some(CatalogChange::Stock),
            "customers" => Some(CatalogChange::Customers),
            _ => None,
        }
    }
}

/// This process's connections and the channel feeding them. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    sender: broadcast::Sender<Event>,
    /// Staff notices go on a channel of their own: their one subscriber (the access watch)
    /// never has to wade through, or fall behind on, cart traffic.
    staff_sender: broadcast::Sender<StaffNotice>,
    next_id: AtomicU64,
    /// Live connections: id -> session name.
    connections: Mutex<BTreeMap<u64, String>>,
    /// Per staff member, how many connections they have opened (for `<username>-<n>`).
    per_user: Mutex<HashMap<String, u64>>,
    /// Whether the LISTEN connection is in force (for readiness).
    listening: AtomicBool,
    /// Shoppers' event streams by cart.
    streams: Mutex<HashMap<i64, Vec<StreamSlot>>>,
    next_stream: AtomicU64,
    /// Moves whenever what a cart summary shows changes without the cart's version moving
    /// (a price, a customer), or such a change may have been missed.
    summary_epoch: AtomicU64,
    /// Moves on any catalog change (stock included), or when one may have been missed.
    catalog_epoch: AtomicU64,
    /// When each cart last changed, for pages kept per shopper.
    cart_clock: CartClock,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        let (staff_sender, _) = broadcast::channel(STAFF_CAPACITY);
        Self {
            inner: Arc::new(Inner {
                sender,
                staff_sender,
                next_id: AtomicU64::new(1),
                connections: Mutex::new(BTreeMap::new()),
                per_user: Mutex::new(HashMap::new()),
                listening: AtomicBool::new(false),
                streams: Mutex::new(HashMap::new()),
                next_stream: AtomicU64::new(1),
                summary_epoch: AtomicU64::new(0),
                catalog_epoch: AtomicU64::new(0),
                cart_clock: CartClock::default(),
            }),
        }
    }

    /// Sends to every subscriber; never waits. Staff notices go to the staff channel; a
    /// cart's events also go to that cart's shopper streams, a resync to all of them.
    pub fn publish(&self, event: Event) {
        // No subscribers is not an error: nobody is watching right now.
        match event {
            Event::Staff(notice) => {
                let _ = self.inner.staff_sender.send(notice);
            }
            event => {
                match &event {
                    Event::Activity {
                        cart_id,
                        active,
                        shows_to_shopper,
                        payload,
                        ..
                    } => {
                        if *shows_to_shopper {
                            self.inner.cart_clock.changed(*cart_id);
                        }
                        self.to_streams(Some(*cart_id), || CartEvent::Activity {
                            payload: payload.clone(),
                            active: *active,
                        })
                    }
                    Event::Resync { .. } => {
                        // Caches cannot know what they missed either.
                        self.inner.cart_clock.all_changed();
                        self.bump_epochs(CatalogChange::Prices);
                        self.to_streams(None, || CartEvent::Resync);
                    }
                    Event::Staff(_) => {}
                }
                let _ = self.inner.sender.send(event);
            }
        }
    }

    /// Queues `event` for the streams of `cart_id` (of every cart when `None`).
    fn to_streams(&self, cart_id: Option<i64>, event: impl Fn() -> CartEvent) {
        let streams = self.inner.streams.lock().expect("hub lock");
        let deliver = |slots: &Vec<StreamSlot>| {
            for slot in slots {
                if slot.sender.try_send(event()).is_err() {
                    slot.lagged.store(true, Ordering::Relaxed);
                }
            }
        };
        match cart_id {
            Some(cart_id) => {
                if let Some(slots) = streams.get(&cart_id) {
                    deliver(slots);
                }
            }
            None => streams.values().for_each(deliver),
        }
    }

    /// A stream of `cart_id`'s events from now on; it leaves the index when the returned
    /// subscription is dropped.
    pub fn subscribe_cart(&self, cart_id: i64) -> CartSubscription {
        let (sender, receiver) = mpsc::channel(STREAM_CAPACITY);
        let lagged = Arc::new(AtomicBool::new(false));
        let id = self.inner.next_stream.fetch_add(1, Ordering::Relaxed);
        self.inner
            .streams
            .lock()
            .expect("hub lock")
            .entry(cart_id)
            .or_default()
            .push(StreamSlot {
                id,
                sender,
                lagged: lagged.clone(),
            });
        CartSubscription {
            hub: self.clone(),
            cart_id,
            id,
            receiver,
            lagged,
        }
    }

    /// How many shopper streams this process holds, across carts.
    pub fn stream_count(&self) -> usize {
        self.inner
            .streams
            .lock()
            .expect("hub lock")
            .values()
            .map(Vec::len)
            .sum()
    }

    /// Records a `catalog_activity` notification: the epochs caches compare with move.
    pub fn bump_epochs(&self, change: CatalogChange) {
        self.inner.catalog_epoch.fetch_add(1, Ordering::Relaxed);
        if change != CatalogChange::Stock {
            self.inner.summary_epoch.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Moves when a cart summary may show something else at the same cart version.
    pub fn summary_epoch(&self) -> u64 {
        self.inner.summary_epoch.load(Ordering::Relaxed)
    }

    /// Moves on every catalog change, stock included.
    pub fn catalog_epoch(&self) -> u64 {
        self.inner.catalog_epoch.load(Ordering::Relaxed)
    }

    /// When each cart last changed, as this process heard it.
    pub fn cart_clock(&self) -> &CartClock {
        &self.inner.cart_clock
    }

    /// A receiver of every cart event and resync from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.sender.subscribe()
    }

    /// A receiver of every staff notice from now on.
    pub fn subscribe_staff(&self) -> broadcast::Receiver<StaffNotice> {
        self.inner.staff_sender.subscribe()
    }

    /// Registers a websocket connection of `username`; it is unregistered when the returned
    /// guard is dropped, however the connection ends.
    pub fn register(&self, username: &str) -> ConnectionGuard {
        let n = {
            let mut per_user = self.inner.per_user.lock().expect("hub lock");
            let count = per_user.entry(username.to_string()).or_insert(0);
            *count += 1;
            *count
        };
        let name = format!("{username}-{n}");
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        self.inner
            .connections
            .lock()
            .expect("hub lock")
            .insert(id, name.clone());
        ConnectionGuard {
            hub: self.clone(),
            id,
            name,
        }
    }

    /// Records whether the LISTEN connection is in force.
    pub fn set_listening(&self, listening: bool) {
        self.inner.listening.store(listening, Ordering::Relaxed);
    }

    /// Whether the LISTEN connection is in force: events are being heard.
    pub fn is_listening(&self) -> bool {
        self.inner.listening.load(Ordering::Relaxed)
    }

    /// How many websocket connections this process serves.
    pub fn connection_count(&self) -> usize {
        self.inner.connections.lock().expect("hub lock").len()
    }

    /// Session names of the connections, oldest first.
    pub fn session_names(&self) -> Vec<String> {
        self.inner
            .connections
            .lock()
            .expect("hub lock")
            .values()
            .cloned()
            .collect()
    }
}

/// A shopper stream's subscription to one cart's events.
pub struct CartSubscription {
    hub: Hub,
    cart_id: i64,
    id: u64,
    receiver: mpsc::Receiver<CartEvent>,
    lagged: Arc<AtomicBool>,
}

impl CartSubscription {
    /// The next event; a resync once the stream has caught up after falling behind; `None`
    /// when the hub is gone.
    pub async fn recv(&mut self) -> Option<CartEvent> {
        if self.receiver.is_empty() && self.lagged.swap(false, Ordering::Relaxed) {
            return Some(CartEvent::Resync);
        }
        self.receiver.recv().await
    }
}

impl Drop for CartSubscription {
    fn drop(&mut self) {
        if let Ok(mut streams) = self.hub.inner.streams.lock() {
            if let Some(slots) = streams.get_mut(&self.cart_id) {
                slots.retain(|slot| slot.id != self.id);
                if slots.is_empty() {
                    streams.remove(&self.cart_id);
                }
            }
        }
    }
}

/// Keeps a connection in the registry while it lives.
pub struct ConnectionGuard {
    hub: Hub,
    id: u64,
    name: String,
}

impl ConnectionGuard {
    /// `<username>-<n>`, used in every log line of the connection.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        if let Ok(mut connections) = self.hub.inner.connections.lock() {
            connections.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shopper_coming_and_going_leaves_their_kept_pages_current_but_a_rep_arriving_does_not() {
        let hub = Hub::new();
        let seen = hub.cart_clock().now();
        for op in ["shopper_online", "shopper_offline"] {
            let payload = format!(r#"{{"cart_id":7,"op":"{op}","version":3}}"#);
            hub.publish(Event::from_notification(&payload).unwrap());
        }
        assert!(hub.cart_clock().unchanged_since(7, seen));
        hub.publish(
            Event::from_notification(r#"{"cart_id":7,"op":"rep_viewing","version":3}"#).unwrap(),
        );
        assert!(!hub.cart_clock().unchanged_since(7, seen));
    }

    #[test]
    fn a_notification_is_relayed_unchanged_inside_the_frame() {
        let payload = r#"{"cart_id":7,"op":"item_added","version":3}"#;
        let event = Event::from_notification(payload).unwrap();
        let Event::Activity {
            cart_id,
            active,
            frame,
            ..
        } = event
        else {
            panic!("an activity event");
        };
        assert_eq!((cart_id, active), (7, true));
        assert_eq!(frame.as_str(), format!("[\"cart_activity\",{payload}]"));
        let closed =
            Event::from_notification(r#"{"cart_id":7,"op":"x","version":4,"status":"closed"}"#);
        assert!(matches!(
            closed,
            Some(Event::Activity { active: false, .. })
        ));
        assert!(Event::from_notification("not json").is_none());
        assert!(Event::from_notification(r#"{"op":"x"}"#).is_none());
    }

    #[test]
    fn staff_notifications_name_a_member_or_a_session() {
        assert_eq!(
            StaffNotice::from_notification(r#"{"op":"staff_changed","staff_id":3}"#),
            Some(StaffNotice::Changed { staff_id: 3 })
        );
        assert_eq!(
            StaffNotice::from_notification(r#"{"op":"session_ended","session":"ab"}"#),
            Some(StaffNotice::SessionEnded {
                session_key: "ab".into()
            })
        );
        assert_eq!(StaffNotice::from_notification(r#"{"op":"x"}"#), None);
    }

    #[tokio::test]
    async fn a_shopper_stream_hears_its_own_cart_only_and_leaves_the_index_when_dropped() {
        let hub = Hub::new();
        let mut mine = hub.subscribe_cart(7);
        let other = hub.subscribe_cart(8);
        hub.publish(Event::from_notification(r#"{"cart_id":8,"op":"x","version":2}"#).unwrap());
        hub.publish(Event::from_notification(r#"{"cart_id":7,"op":"y","version":3}"#).unwrap());
        match mine.recv().await {
            Some(CartEvent::Activity { payload, active }) => {
                assert!(payload.contains("\"op\":\"y\""), "{payload}");
                assert!(active);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(hub.stream_count(), 2);
        drop(other);
        assert_eq!(hub.stream_count(), 1);
        hub.publish(Event::resync("listener_reconnected"));
        assert!(matches!(mine.recv().await, Some(CartEvent::Resync)));
    }

    #[test]
    fn session_names_count_up_per_user_and_leave_with_their_connection() {
        let hub = Hub::new();
        let first = hub.register("ava");
        let second = hub.register("ava");
        let other = hub.register("ben");
        assert_eq!(
            (first.name(), second.name(), other.name()),
            ("ava-1", "ava-2", "ben-1")
        );
        assert_eq!(hub.connection_count(), 3);
        drop(first);
        drop(second);
        assert_eq!(hub.session_names(), vec!["ben-1".to_string()]);
        drop(other);
        assert_eq!(hub.connection_count(), 0);
    }
}
