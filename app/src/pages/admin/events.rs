//! `/events`: the relay's status page. "Serving N connections" on this process, their
//! session names, a text box sending a line over this page's own websocket, and the raw
//! frames as they arrive.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::admin::events_status;
use crate::components::error_notice::ErrorNotice;
use crate::components::live::{use_live_events, LinkState};
use crate::components::loaded::load;

/// The status page.
#[component]
pub fn EventsPage() -> impl IntoView {
    let live = use_live_events();
    // Refreshed when this page's own connection comes up (it is one of them) and on demand.
    let refresh = RwSignal::new(0u32);
    let status = load(
        move || {
            (
                refresh.get(),
                live.map(|live| live.state.get() == LinkState::Live),
            )
        },
        |_| events_status(),
    );
    let line = RwSignal::new(String::new());
    let send = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if let Some(live) = live {
            live.send_line(line.get_untracked());
        }
        line.set(String::new());
    };
    view! {
        <Title text="Live events · Tandem"/>
        <h1>"Live events"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(status) => {
                        view! {
                            <p data-testid="connection-count">
                                {format!("Serving {} connections", status.connections)}
                            </p>
                            <ul class="sessions" data-testid="session-names">
                                {status
                                    .sessions
                                    .into_iter()
                                    .map(|name| view! { <li><code>{name}</code></li> })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Transition>
        <button class="secondary" on:click=move |_| refresh.update(|n| *n += 1)>"Refresh"</button>
        <form class="send-line" on:submit=send>
            <label>
                "Send a line "
                <input
                    name="line"
                    size="60"
                    prop:value=line
                    on:input=move |event| line.set(event_target_value(&event))
                    placeholder=r#"{"listen":"cart_activity"}"#
                />
            </label>
            <button type="submit">"Send"</button>
        </form>
        <h2>"Raw events"</h2>
        <pre class="raw-events" data-testid="raw-events">
            {move || live.map(|live| live.raw.get().join("\n")).unwrap_or_default()}
        </pre>
    }
}
