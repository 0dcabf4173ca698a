//! The admin app's live link: a websocket to `/events/io` (gloo-net) exposed as signals.
//!
//! Views read [`LiveEvents`]: `last` changes with every cart event, `resyncs` whenever the
//! client may have missed events (server said resync, or the link was re-established), and
//! `state` says whether the link is live. Views put these in their resources' sources, so
//! they refetch exactly what changed. On the server (SSR) the link is simply "connecting".

use leptos::prelude::*;

pub use crate::model::live::{is_presence, CartActivity};

/// Whether live updates are flowing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    Connecting,
    Live,
    Reconnecting,
    /// The signed-in member's roles do not include `event_listener`.
    Unavailable,
    /// The server closed the link because the staff session ended (1008): reconnecting would
    /// only be refused, so the page says so instead.
    SignedOut,
}

impl LinkState {
    pub fn label(self) -> &'static str {
        match self {
            LinkState::Connecting => "Connecting…",
            LinkState::Live => "Live",
            LinkState::Reconnecting => "Reconnecting…",
            LinkState::Unavailable => "Live updates off (no event_listener role)",
            LinkState::SignedOut => "Signed out: sign in again for live updates",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            LinkState::Live => "live-status status-live",
            LinkState::Connecting | LinkState::Reconnecting => "live-status status-reconnecting",
            LinkState::Unavailable | LinkState::SignedOut => "live-status",
        }
    }
}

/// The live link's signals, provided by the admin layout.
#[derive(Clone, Copy)]
pub struct LiveEvents {
    pub state: RwSignal<LinkState>,
    pub last: RwSignal<Option<CartActivity>>,
    pub resyncs: RwSignal<u64>,
    /// Moves each time the link starts listening (first connection or again after a gap):
    /// events before it may have been missed, so views load afresh.
    pub went_live: RwSignal<u64>,
    /// Every frame received, newest last (bounded), for the `/events` status page.
    pub raw: RwSignal<Vec<String>>,
    /// Lines typed on the status page go to the connection through this channel.
    outgoing: StoredValue<Option<futures::channel::mpsc::UnboundedSender<String>>>,
    /// Set once the link was switched on or off for the signed-in member.
    decided: StoredValue<bool>,
    /// The change feeds of the views on the page: every cart event is queued in each.
    feeds: StoredValue<Vec<ChangeFeed>>,
}

/// A view's queue of cart changes it has not fetched yet. Views drain it through
/// [`coalesce`], so a burst of events becomes one request.
#[derive(Clone, Copy)]
pub struct ChangeFeed {
    pending: StoredValue<Vec<CartActivity>>,
    /// Moves with every change queued.
    pub tick: RwSignal<u64>,
}

impl ChangeFeed {
    /// Takes every change queued so far.
    pub fn take(&self) -> Vec<CartActivity> {
        let mut taken = Vec::new();
        // A view gone with its page has nothing queued.
        self.pending
            .try_update_value(|pending| std::mem::swap(pending, &mut taken));
        taken
    }

    #[cfg_attr(not(any(feature = "hydrate", feature = "csr")), allow(dead_code))]
    fn push(&self, activity: CartActivity) {
        if self
            .pending
            .try_update_value(|pending| pending.push(activity))
            .is_some()
        {
            self.tick.try_update(|tick| *tick += 1);
        }
    }

    #[cfg_attr(not(any(feature = "hydrate", feature = "csr")), allow(dead_code))]
    fn is_empty(&self) -> bool {
        self.pending.try_with_value(Vec::is_empty).unwrap_or(true)
    }
}

/// Least time between two fetches of one view.
pub const COALESCE_MS: u32 = 150;

/// Drains `feed` into `fetch`: at most one fetch every [`COALESCE_MS`] and one at a time;
/// changes arriving meanwhile wait for the next. Does nothing on the server.
pub fn coalesce<F, Fut>(feed: ChangeFeed, fetch: F)
where
    F: Fn(Vec<CartActivity>) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    #[cfg(any(feature = "hydrate", feature = "csr"))]
    client::coalesce(feed, fetch);
    #[cfg(not(any(feature = "hydrate", feature = "csr")))]
    let _ = (feed, fetch);
}

impl LiveEvents {
    /// Switches the link on (the member may listen to events) or off. Decided once; in the
    /// browser, switching on opens the websocket.
    pub fn enable(&self, allowed: bool) {
        if self.decided.get_value() {
            return;
        }
        self.decided.set_value(true);
        #[cfg(any(feature = "hydrate", feature = "csr"))]
        {
            if allowed {
                client::start(*self);
            } else {
                self.state.set(LinkState::Unavailable);
            }
        }
        #[cfg(not(any(feature = "hydrate", feature = "csr")))]
        let _ = allowed;
    }

    /// A new change feed for a view; it receives every cart event from now on.
    pub fn feed(&self) -> ChangeFeed {
        let feed = ChangeFeed {
            pending: StoredValue::new(Vec::new()),
            tick: RwSignal::new(0),
        };
        self.feeds.update_value(|feeds| {
            // Feeds of views gone with their page are dropped here.
            feeds.retain(|feed| feed.tick.try_get_untracked().is_some());
            feeds.push(feed);
        });
        feed
    }

    /// Sends a line over the websocket as it is (the status page's text box).
    pub fn send_line(&self, line: String) {
        self.outgoing.with_value(|sender| {
            if let Some(sender) = sender {
                let _ = sender.unbounded_send(line);
            }
        });
    }
}

/// Creates the live link and provides it as context; [`LiveEvents::enable`] switches it on.
pub fn provide_live_events() -> LiveEvents {
    let live = LiveEvents {
        state: RwSignal::new(LinkState::Connecting),
        last: RwSignal::new(None),
        resyncs: RwSignal::new(0),
        went_live: RwSignal::new(0),
        raw: RwSignal::new(Vec::new()),
        outgoing: StoredValue::new(None),
        decided: StoredValue::new(false),
        feeds: StoredValue::new(Vec::new()),
    };
    provide_context(live);
    live
}

/// The live link provided by the admin layout, if any.
pub fn use_live_events() -> Option<LiveEvents> {
    use_context::<LiveEvents>()
}

#[cfg(any(feature = "hydrate", feature = "csr"))]
mod client {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use futures::channel::mpsc::UnboundedReceiver;
    use futures::{SinkExt, StreamExt};
    use gloo_net::websocket::futures::WebSocket;
    use gloo_net::websocket::{Message, WebSocketError};
    use leptos::prelude::*;

    use super::{LinkState, LiveEvents};
    use crate::model::live::{read_server_frame, ServerFrame};

    /// Raw frames kept for the status page.
    const RAW_KEPT: usize = 200;

    /// Reads one frame: queues cart activity in every view's feed and updates `last`;
    /// counts resync frames; on `listening`, marks the link live (and, when it is back
    /// after a gap, counts a resync).
    fn apply_frame(live: LiveEvents, text: &str, back_after_gap: &mut bool) {
        live.raw.update(|raw| {
            raw.push(text.to_string());
            if raw.len() > RAW_KEPT {
                raw.remove(0);
            }
        });
        match read_server_frame(text) {
            Some(ServerFrame::CartActivity(activity)) => {
                live.feeds.with_value(|feeds| {
                    for feed in feeds.iter() {
                        // A view gone with its page no longer takes changes.
                        if feed.tick.try_get_untracked().is_some() {
                            feed.push(activity.clone());
                        }
                    }
                });
                live.last.set(Some(activity));
            }
            Some(ServerFrame::Resync) => live.resyncs.update(|n| *n += 1),
            Some(ServerFrame::Listening) => {
                // Both in one tick: views keyed on them load afresh once.
                if std::mem::take(back_after_gap) {
                    live.resyncs.update(|n| *n += 1);
                }
                live.went_live.update(|n| *n += 1);
                live.state.set(LinkState::Live);
            }
            Some(ServerFrame::Error(_)) | None => {}
        }
    }

    /// See [`super::coalesce`].
    pub(super) fn coalesce<F, Fut>(feed: super::ChangeFeed, fetch: F)
    where
        F: Fn(Vec<super::CartActivity>) -> Fut + Clone + 'static,
        Fut: std::future::Future<Output = ()> + 'static,
    {
        #[derive(Default)]
        struct Pace {
            in_flight: bool,
            timer_set: bool,
            last_start: f64,
        }
        let pace: StoredValue<Pace, LocalStorage> = StoredValue::new_local(Pace::default());
        fn schedule<F, Fut>(
            feed: super::ChangeFeed,
            pace: StoredValue<Pace, LocalStorage>,
            fetch: F,
        ) where
            F: Fn(Vec<super::CartActivity>) -> Fut + Clone + 'static,
            Fut: std::future::Future<Output = ()> + 'static,
        {
            let busy = pace
                .try_with_value(|pace| pace.in_flight || pace.timer_set)
                .unwrap_or(true);
            if busy || feed.is_empty() {
                return;
            }
            let Some(wait) = pace.try_update_value(|pace| {
                pace.timer_set = true;
                (pace.last_start + f64::from(super::COALESCE_MS) - js_sys::Date::now()).max(0.0)
            }) else {
                return;
            };
            leptos::task::spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(wait as u32).await;
                if pace
                    .try_update_value(|pace| pace.timer_set = false)
                    .is_none()
                {
                    return;
                }
                let changes = feed.take();
                if changes.is_empty() {
                    return;
                }
                let started = pace.try_update_value(|pace| {
                    pace.in_flight = true;
                    pace.last_start = js_sys::Date::now();
                });
                if started.is_none() {
                    return;
                }
                fetch.clone()(changes).await;
                if pace
                    .try_update_value(|pace| pace.in_flight = false)
                    .is_some()
                {
                    schedule(feed, pace, fetch);
                }
            });
        }
        Effect::new(move |_| {
            feed.tick.track();
            schedule(feed, pace, fetch.clone());
        });
    }

    /// The close code the relay uses when the staff session behind the link ended.
    const SESSION_ENDED: u16 = 1008;

    /// Longest wait between reconnection attempts.
    const MAX_BACKOFF_MS: f64 = 10_000.0;

    pub(super) fn start(live: LiveEvents) {
        let stopped = Arc::new(AtomicBool::new(false));
        let stop = stopped.clone();
        on_cleanup(move || stop.store(true, Ordering::Relaxed));
        let (sender, lines) = futures::channel::mpsc::unbounded::<String>();
        let lines_slot = std::rc::Rc::new(std::cell::Cell::new(Some(lines)));
        live.outgoing.set_value(Some(sender));
        // Connect only once the page has finished hydrating: an event landing mid-hydration
        // would change a resource's source while its server-rendered view is being adopted.
        Effect::new(move |started: Option<bool>| {
            if started != Some(true) {
                let (live, lines, stopped) = (live, lines_slot.take(), stopped.clone());
                if let Some(lines) = lines {
                    leptos::task::spawn_local(async move {
                        gloo_timers::future::TimeoutFuture::new(50).await;
                        run(live, lines, stopped).await;
                    });
                }
            }
            true
        });
    }

    fn events_url() -> Option<String> {
        let location = web_sys::window()?.location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!("{scheme}://{}/events/io", location.host().ok()?))
    }

    /// What woke the connection loop.
    enum Wake {
        Frame(Result<Message, gloo_net::websocket::WebSocketError>),
        Line(String),
    }

    async fn run(live: LiveEvents, mut lines: UnboundedReceiver<String>, stopped: Arc<AtomicBool>) {
        let Some(url) = events_url() else { return };
        let mut failures: u32 = 0;
        while !stopped.load(Ordering::Relaxed) {
            if let Ok(socket) = WebSocket::open(&url) {
                let (mut sink, stream) = socket.split();
                let listen = Message::Text(r#"{"listen":"cart_activity"}"#.to_string());
                if sink.send(listen).await.is_ok() {
                    // Back after a gap: anything may have changed meanwhile.
                    let mut back_after_gap = failures > 0;
                    let mut wakes = futures::stream::select(
                        stream.map(Wake::Frame),
                        (&mut lines).map(Wake::Line),
                    );
                    while let Some(wake) = wakes.next().await {
                        if stopped.load(Ordering::Relaxed) {
                            return;
                        }
                        match wake {
                            Wake::Frame(Ok(Message::Text(text))) => {
                                failures = 0;
                                apply_frame(live, &text, &mut back_after_gap);
                            }
                            Wake::Frame(Ok(Message::Bytes(_))) => {}
                            Wake::Frame(Err(WebSocketError::ConnectionClose(close)))
                                if close.code == SESSION_ENDED =>
                            {
                                live.state.set(LinkState::SignedOut);
                                return;
                            }
                            Wake::Frame(Err(_)) => break,
                            Wake::Line(line) => {
                                if sink.send(Message::Text(line)).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                }
            }
            if stopped.load(Ordering::Relaxed) {
                return;
            }
            live.state.set(LinkState::Reconnecting);
            failures += 1;
            // Exponential backoff with jitter, so a restarted server is not hit by every
            // client at the same instant.
            let base = (250.0 * 2f64.powi(failures.min(6) as i32)).min(MAX_BACKOFF_MS);
            let delay = base * (0.5 + js_sys::Math::random() * 0.5);
            gloo_timers::future::TimeoutFuture::new(delay as u32).await;
        }
    }
}

/// The link's state, for page headers.
#[component]
pub fn LiveStatus() -> impl IntoView {
    let live = use_live_events();
    view! {
        {move || {
            let state = live.map(|live| live.state.get()).unwrap_or(LinkState::Unavailable);
            view! { <span class=state.class() data-testid="live-status">{state.label()}</span> }
        }}
        {move || {
            live.map(|live| live.resyncs.get())
                .filter(|count| *count > 0)
                .map(|count| {
                    view! {
                        <span class="live-resync" data-testid="live-resync">
                            {format!("Resynced ×{count}")}
                        </span>
                    }
                })
        }}
    }
}
