//! `/admin`: the cart finder and the active-carts list, kept current live.
//!
//! The page loads whole on arrival, on moving between pages and after a resync; between
//! those, cart events are drained (at most one request per 150 ms, one at a time) into a
//! request for just the summaries of the carts that changed, whose rows are patched in place.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, Redirect};
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::marks::{use_cart_marks, CartMarks, RowMarks};
use super::orders::OrderTable;
use crate::api::admin::{cart_summaries, carts_presence, find_carts, list_active_carts};
use crate::components::error_notice::ErrorNotice;
use crate::components::live::{coalesce, is_presence, use_live_events};
use crate::components::loaded::load;
use crate::model::admin::{
    describe_idle, seconds_between, write_wanted, CartList, CartPresence, CartSummary,
    FinderResult, ListScope, SUMMARIES_PER_REQUEST,
};
use crate::model::help_code::HelpCode;
use crate::model::money::format_cents;

/// What the page lists: the most recent carts, or what the finder found; with who is with
/// each listed cart.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum Listing {
    Recent(CartList, Vec<(i64, CartPresence)>),
    Found(FinderResult, Vec<(i64, CartPresence)>),
}

/// Who is with each of `carts` (no request for none).
/// `None` when it cannot be known now (Redis unreachable): those rows say "?", not "—".
async fn presence_of(carts: &[CartSummary]) -> Option<Vec<(i64, CartPresence)>> {
    if carts.is_empty() {
        return Some(Vec::new());
    }
    let ids: Vec<String> = carts.iter().map(|cart| cart.cart_id.to_string()).collect();
    carts_presence(ids.join(",")).await.ok()
}

/// Presence also ends without an event (a rep closes the cart page, a phone loses its
/// connection; the Redis keys expire 45 s after their last refresh): the rows on screen are
/// asked again every 20 s, one request per 100 rows.
fn refresh_presence_now_and_then(
    shown: RwSignal<Option<CartList>>,
    presence: RwSignal<HashMap<i64, CartPresence>>,
) {
    #[cfg(any(feature = "hydrate", feature = "csr"))]
    {
        let handle = set_interval_with_handle(
            move || {
                let rows: Vec<CartSummary> = shown
                    .try_with_untracked(|list| {
                        list.as_ref()
                            .map(|list| list.items.clone())
                            .unwrap_or_default()
                    })
                    .unwrap_or_default();
                leptos::task::spawn_local(async move {
                    for batch in rows.chunks(100) {
                        let fresh = presence_of(batch).await;
                        presence.try_update(|presence| {
                            for row in batch {
                                presence.remove(&row.cart_id);
                            }
                            presence.extend(fresh.unwrap_or_default());
                        });
                    }
                });
            },
            std::time::Duration::from_secs(20),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(any(feature = "hydrate", feature = "csr")))]
    let _ = (shown, presence);
}

/// Finder box on top; below it either the finder's results or the most recent carts, a
/// page at a time (`?after=` names the last row of the page before; `?empty=1` lists empty
/// carts too).
#[component]
pub fn ActiveCartsPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let after = move || query.read().get("after").unwrap_or_default();
    let with_empty = move || query.read().get("empty").is_some_and(|v| v == "1");
    let live = use_live_events();
    let listing = load(
        move || {
            let reloads = live.map(|live| (live.resyncs.get(), live.went_live.get()));
            (search(), after(), with_empty(), reloads)
        },
        |(q, after, with_empty, _)| async move {
            if q.trim().is_empty() {
                let list = list_active_carts(Some(after), Some(with_empty)).await?;
                let presence = presence_of(&list.items).await.unwrap_or_default();
                Ok(Listing::Recent(list, presence))
            } else {
                let found = find_carts(q, Some(after)).await?;
                let presence = presence_of(&found.carts).await.unwrap_or_default();
                Ok(Listing::Found(found, presence))
            }
        },
    );
    // The rows on screen: set from each load, patched by live changes in between; and who
    // is with each, patched by presence events.
    let shown = RwSignal::new(None::<CartList>);
    let presence = RwSignal::new(HashMap::<i64, CartPresence>::new());
    let scope = move || {
        query
            .try_with_untracked(|query| ListScope {
                takes_new_rows: query.get("q").unwrap_or_default().trim().is_empty()
                    && query.get("after").unwrap_or_default().is_empty(),
                hides_empty: query.get("empty").is_none_or(|v| v != "1"),
            })
            .unwrap_or_default()
    };
    if let Some(live) = live {
        coalesce(live.feed(), move |changes| async move {
            let Some(Some(plan)) = shown
                .try_with_untracked(|list| list.as_ref().map(|list| list.plan(&changes, scope())))
            else {
                return;
            };
            if !plan.dropped.is_empty() {
                shown.try_update(|list| {
                    if let Some(list) = list {
                        list.drop_carts(&plan.dropped);
                    }
                });
            }
            for batch in plan.wanted.chunks(SUMMARIES_PER_REQUEST) {
                match cart_summaries(write_wanted(batch)).await {
                    Ok(fresh) => {
                        shown.try_update(|list| {
                            if let Some(list) = list {
                                list.apply(fresh, scope());
                            }
                        });
                    }
                    // Patching failed: load the page afresh rather than show it stale.
                    Err(_) => {
                        if shown.try_get_untracked().is_some() {
                            listing.refetch();
                        }
                        return;
                    }
                }
            }
            // Presence comes apart from the versioned summaries: new rows, and rows whose
            // shopper or rep came or went.
            let wanted: Vec<CartSummary> = shown
                .try_with_untracked(|list| {
                    let known = presence
                        .try_with_untracked(|p| p.keys().copied().collect::<Vec<_>>())
                        .unwrap_or_default();
                    list.as_ref()
                        .map(|list| {
                            list.items
                                .iter()
                                .filter(|row| {
                                    !known.contains(&row.cart_id)
                                        || changes.iter().any(|change| {
                                            change.cart_id == row.cart_id && is_presence(&change.op)
                                        })
                                })
                                .cloned()
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            if !wanted.is_empty() {
                if let Some(fresh) = presence_of(&wanted).await {
                    presence.try_update(|presence| presence.extend(fresh));
                }
            }
        });
    }
    refresh_presence_now_and_then(shown, presence);
    let marks = use_cart_marks();
    let finder = NodeRef::<leptos::html::Input>::new();
    // The rep arrives to find a cart: the finder has the focus.
    Effect::new(move |_| {
        if let Some(input) = finder.get() {
            let _ = input.focus();
        }
    });
    view! {
        <Title text="Active carts · Tandem"/>
        <div class="toolbar">
            <Form method="GET" action="/admin">
                <label>
                    "Find a cart "
                    <input
                        name="q"
                        value=search
                        placeholder="Help code (K7M-2QX), order number, email, name or product"
                        size="40"
                        autocomplete="off"
                        autofocus
                        node_ref=finder
                    />
                </label>
                <button type="submit">"Find"</button>
            </Form>
        </div>
        <Transition fallback=|| view! { <p>"Loading carts…"</p> }>
            {move || Suspend::new(async move {
                match listing.await {
                    Ok(Listing::Recent(list, who)) => {
                        marks.start_from(&list.items);
                        shown.set(Some(list));
                        presence.set(who.into_iter().collect());
                        let empty_link = if with_empty() {
                            view! { <a href="/admin">"Hide empty carts"</a> }
                        } else {
                            view! { <a href="/admin?empty=1">"Show empty carts too"</a> }
                        };
                        view! {
                            <div class="list-head">
                                <h1>"Active carts"</h1>
                                <p class="list-options">{empty_link}</p>
                            </div>
                            <LiveCartTable
                                shown
                                presence
                                marks
                                empty_message="No active carts right now.".to_string()
                                pager=move |next| {
                                    let empty = if with_empty() { "&empty=1" } else { "" };
                                    format!("/admin?after={}{empty}", encode(&next))
                                }
                            />
                        }
                            .into_any()
                    }
                    Ok(Listing::Found(result, who)) => {
                        if let Some(number) = result.exact_order {
                            view! { <Redirect path=format!("/admin/orders/{number}")/> }.into_any()
                        } else if let Some(cart_id) = result.exact_cart {
                            view! { <Redirect path=format!("/admin/carts/{cart_id}")/> }.into_any()
                        } else {
                            let q = search();
                            let nothing = result.carts.is_empty() && result.orders.is_empty();
                            let empty_message = describe_miss(&result.matched_by, q.trim());
                            marks.start_from(&result.carts);
                            shown.set(Some(CartList {
                                items: result.carts,
                                next: result.next,
                                as_of: result.as_of,
                            }));
                            presence.set(who.into_iter().collect());
                            let orders = (!result.orders.is_empty())
                                .then(|| {
                                    view! {
                                        <h2>"Their orders"</h2>
                                        <OrderTable orders=result.orders/>
                                    }
                                });
                            let heading = if nothing {
                                "Nothing found".to_string()
                            } else {
                                format!("Carts found by {}", result.matched_by)
                            };
                            view! {
                                <h1>{heading}</h1>
                                <LiveCartTable
                                    shown
                                    presence
                                    marks
                                    empty_message
                                    pager=move |next| format!("/admin?q={}&after={}", encode(&q), encode(&next))
                                />
                                {orders}
                            }
                                .into_any()
                        }
                    }
                    Err(error) => {
                        shown.set(None);
                        view! { <ErrorNotice error/> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// What a finder miss says: what it looked for, and as what.
fn describe_miss(matched_by: &str, query: &str) -> String {
    match matched_by {
        "help code" => format!(
            "No cart with code {}.",
            HelpCode::parse(query).map_or_else(|_| query.to_uppercase(), |code| code.to_string())
        ),
        "order number" => format!("No order {}.", query.to_uppercase()),
        "customer" => format!("No active cart or order for a customer matching “{query}”."),
        _ => format!("No active cart holds a product matching “{query}”."),
    }
}

/// The rows of `shown`, redrawn as they are patched, with their marks and presence.
#[component]
fn LiveCartTable(
    shown: RwSignal<Option<CartList>>,
    presence: RwSignal<HashMap<i64, CartPresence>>,
    marks: CartMarks,
    /// Said when there are no rows.
    empty_message: String,
    /// The link to the page after the cursor.
    pager: impl Fn(String) -> String + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        shown.get().map(|list| {
            let drawn = marks.draw(&list.items);
            let next = list.next.map(&pager);
            let who = presence.get();
            view! {
                <CartTable
                    carts=list.items
                    as_of=list.as_of
                    marks=drawn
                    presence=who
                    empty_message=empty_message.clone()
                />
                <NextPage next/>
            }
        })
    }
}

/// "Older" link to the next page, when there is one.
#[component]
pub fn NextPage(next: Option<String>) -> impl IntoView {
    next.map(|href| {
        view! {
            <p class="pager">
                <a href=href rel="next">"Older →"</a>
            </p>
        }
    })
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Carts as rows, most recent activity first; on a phone, stacked cards.
#[component]
pub fn CartTable(
    carts: Vec<CartSummary>,
    /// The server's clock when the rows were read (idle times count to it).
    as_of: String,
    /// How each row is marked, in the order of `carts`.
    marks: Vec<RowMarks>,
    /// Who is with each cart.
    presence: HashMap<i64, CartPresence>,
    /// Said when there are no rows.
    empty_message: String,
) -> impl IntoView {
    if carts.is_empty() {
        return view! { <p class="empty" data-testid="no-carts">{empty_message}</p> }.into_any();
    }
    view! {
        <table class="carts stack" data-testid="cart-table">
            <thead>
                <tr>
                    <th scope="col">"Help code"</th>
                    <th scope="col">"Items"</th>
                    <th scope="col">"Total"</th>
                    <th scope="col">"Shopper"</th>
                    <th scope="col">"Being helped by"</th>
                    <th scope="col">"Last activity"</th>
                    <th scope="col">"Customer"</th>
                    <th scope="col">"Device"</th>
                </tr>
            </thead>
            <tbody>
                {carts
                    .into_iter()
                    .zip(marks.into_iter().chain(std::iter::repeat(RowMarks::default())))
                    .map(|(cart, marks)| {
                        // No entry: presence could not be read (Redis unreachable), "?" rather
                        // than a confident "nobody".
                        let who = presence.get(&cart.cart_id).cloned();
                        let known = who.is_some();
                        let online = who.as_ref().is_some_and(|who| who.shopper_online);
                        let helper = who.and_then(|who| who.rep_viewing);
                        let nobody = if known { "—" } else { "?" };
                        let marker = marks.marker.map(|marker| {
                            view! {
                                <span class=format!("marker marker-{}", marker.label()) data-testid="row-marker">
                                    {marker.label()}
                                </span>
                            }
                        });
                        view! {
                            <tr
                                data-cart=cart.cart_id.to_string()
                                class:changed=marks.flashing
                                class:just-changed=marks.marker.is_some()
                            >
                                <th scope="row">
                                    <a href=format!("/admin/carts/{}", cart.cart_id)>
                                        <code>{cart.help_code}</code>
                                    </a>
                                    {marker}
                                </th>
                                <td data-label="Items">{cart.item_count}</td>
                                <td data-label="Total">{format_cents(cart.total_cents)}</td>
                                <td data-label="Shopper" data-testid="shopper-online" class:presence-online=online>
                                    {if online { "Online" } else { nobody }}
                                </td>
                                <td data-label="Being helped by" data-testid="helped-by">
                                    {helper.unwrap_or_else(|| nobody.into())}
                                </td>
                                <td data-label="Last activity">
                                    {describe_idle(seconds_between(&cart.updated_at, &as_of))}
                                </td>
                                <td data-label="Customer">{cart.customer.unwrap_or_else(|| "Anonymous".into())}</td>
                                <td data-label="Device">{cart.device}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
