//! The admin app's live link: a websocket to `/events/io` (gloo-net) exposed as signals.
//!
//! Views read [`LiveEvents`]: `last` changes with every cart event, `resyncs` whenever the
//! client may have missed events (server said resync, or the link was re-established), and
//! `state` says whether the link is live. Views put these in their resources' sources, so
//! they refetch exactly what changed. On the server (SSR) the link is simply "connecting".

use leptos::prelude::*;

pub use crate::model::live::CartActivity;

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
    /// Every frame received, newest last (bounded), for the `/events` status page.
    pub raw: RwSignal<Vec<String>>,
    /// Lines typed on the status page go to the connection through this channel.
    outgoing: StoredValue<Option<futures::channel::mpsc::UnboundedSender<String>>>,
    /// Set once the link was switched on or off for the signed-in member.
    decided: StoredValue<bool>,
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
        raw: RwSignal::new(Vec::new()),
        outgoing: StoredValue::new(None),
        decided: StoredValue::new(false),
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

    /// Reads one frame: updates `last` for cart activity and `resyncs` for resync frames.
    fn apply_frame(live: LiveEvents, text: &str) {
        live.raw.update(|raw| {
            raw.push(text.to_string());
            if raw.len() > RAW_KEPT {
                raw.remove(0);
            }
        });
        match read_server_frame(text) {
            Some(ServerFrame::CartActivity(activity)) => live.last.set(Some(activity)),
            Some(ServerFrame::Resync) => live.resyncs.update(|n| *n += 1),
            Some(ServerFrame::Listening) => live.state.set(LinkState::Live),
            Some(ServerFrame::Error(_)) | None => {}
        }
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
                    if failures > 0 {
                        // Back after a gap: anything may have changed meanwhile.
                        live.resyncs.update(|n| *n += 1);
                    }
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
                                apply_frame(live, &text);
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
