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

use super::orders::OrderTable;
use crate::api::admin::{cart_summaries, find_carts, list_active_carts};
use crate::components::clock::{now_ms, HIGHLIGHT_MS};
use crate::components::error_notice::ErrorNotice;
use crate::components::live::{coalesce, use_live_events};
use crate::model::admin::{
    describe_idle, seconds_between, write_wanted, CartList, CartSummary, FinderResult,
    SUMMARIES_PER_REQUEST,
};
use crate::model::money::format_cents;

/// What the page lists: the most recent carts, or what the finder found.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum Listing {
    Recent(CartList),
    Found(FinderResult),
}

/// Finder box on top; below it either the finder's results or the most recent carts, a
/// page at a time (`?after=` names the last row of the page before).
#[component]
pub fn ActiveCartsPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let after = move || query.read().get("after").unwrap_or_default();
    let live = use_live_events();
    let listing = Resource::new(
        move || {
            let reloads = live.map(|live| (live.resyncs.get(), live.went_live.get()));
            (search(), after(), reloads)
        },
        |(q, after, _)| async move {
            if q.trim().is_empty() {
                list_active_carts(Some(after)).await.map(Listing::Recent)
            } else {
                find_carts(q, Some(after)).await.map(Listing::Found)
            }
        },
    );
    // The rows on screen: set from each load, patched by live changes in between.
    let shown = RwSignal::new(None::<CartList>);
    let seen = StoredValue::new(HashMap::new());
    // Only the first page of all carts takes carts it does not show yet: a later page or a
    // finder result would not list them.
    let takes_new_rows = move || {
        query
            .try_with_untracked(|query| {
                query.get("q").unwrap_or_default().trim().is_empty()
                    && query.get("after").unwrap_or_default().is_empty()
            })
            .unwrap_or(false)
    };
    if let Some(live) = live {
        coalesce(live.feed(), move |changes| async move {
            let Some(Some(plan)) = shown.try_with_untracked(|list| {
                list.as_ref()
                    .map(|list| list.plan(&changes, takes_new_rows()))
            }) else {
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
                                list.apply(fresh, takes_new_rows());
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
        });
    }
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
                    />
                </label>
                <button type="submit">"Find"</button>
            </Form>
        </div>
        <Transition fallback=|| view! { <p>"Loading carts…"</p> }>
            {move || Suspend::new(async move {
                match listing.await {
                    Ok(Listing::Recent(list)) => {
                        shown.set(Some(list));
                        view! {
                            <h1>"Active carts"</h1>
                            <LiveCartTable shown seen pager=|next| format!("/admin?after={}", encode(&next))/>
                        }
                            .into_any()
                    }
                    Ok(Listing::Found(result)) => {
                        if let Some(number) = result.exact_order {
                            view! { <Redirect path=format!("/admin/orders/{number}")/> }.into_any()
                        } else if let Some(cart_id) = result.exact_cart {
                            view! { <Redirect path=format!("/admin/carts/{cart_id}")/> }.into_any()
                        } else {
                            shown.set(Some(CartList {
                                items: result.carts,
                                next: result.next,
                                as_of: result.as_of,
                            }));
                            let orders = (!result.orders.is_empty())
                                .then(|| {
                                    view! {
                                        <h2>"Their orders"</h2>
                                        <OrderTable orders=result.orders/>
                                    }
                                });
                            let q = search();
                            view! {
                                <h1>"Carts found by " {result.matched_by}</h1>
                                <LiveCartTable
                                    shown
                                    seen
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

/// The rows of `shown`, redrawn as they are patched; rows whose version moved on since they
/// were first drawn stay highlighted for a few seconds, however many other carts change.
#[component]
fn LiveCartTable(
    shown: RwSignal<Option<CartList>>,
    /// Each cart's version when first drawn and when it last moved on (lives with the
    /// page, so it outlasts a reload of the table).
    seen: StoredValue<HashMap<i64, (i64, f64)>>,
    /// The link to the page after the cursor.
    pager: impl Fn(String) -> String + Send + Sync + 'static,
) -> impl IntoView {
    let highlight = move |carts: &[CartSummary]| -> Vec<i64> {
        let now = now_ms();
        seen.try_update_value(|seen| {
            for cart in carts {
                match seen.get(&cart.cart_id) {
                    Some((version, _)) if *version == cart.version => {}
                    Some(_) => {
                        seen.insert(cart.cart_id, (cart.version, now));
                    }
                    // First sight: not a change the rep watched happen.
                    None => {
                        seen.insert(cart.cart_id, (cart.version, f64::MIN));
                    }
                }
            }
        });
        seen.try_with_value(|seen| {
            carts
                .iter()
                .filter(|cart| {
                    seen.get(&cart.cart_id)
                        .is_some_and(|(_, at)| now - at < HIGHLIGHT_MS)
                })
                .map(|cart| cart.cart_id)
                .collect()
        })
        .unwrap_or_default()
    };
    move || {
        shown.get().map(|list| {
            let changed = highlight(&list.items);
            let next = list.next.map(&pager);
            view! {
                <CartTable carts=list.items as_of=list.as_of changed/>
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

/// Carts as rows, most recent activity first.
#[component]
pub fn CartTable(
    carts: Vec<CartSummary>,
    /// The server's clock when the rows were read (idle times count to it).
    as_of: String,
    /// Carts that just changed: their rows are highlighted.
    changed: Vec<i64>,
) -> impl IntoView {
    if carts.is_empty() {
        return view! { <p class="empty">"No carts match."</p> }.into_any();
    }
    view! {
        <table class="carts" data-testid="cart-table">
            <thead>
                <tr>
                    <th scope="col">"Help code"</th>
                    <th scope="col">"Items"</th>
                    <th scope="col">"Total"</th>
                    <th scope="col">"Last activity"</th>
                    <th scope="col">"Customer"</th>
                    <th scope="col">"Device"</th>
                </tr>
            </thead>
            <tbody>
                {carts
                    .into_iter()
                    .map(|cart| {
                        view! {
                            <tr
                                data-cart=cart.cart_id.to_string()
                                class:changed=changed.contains(&cart.cart_id)
                            >
                                <th scope="row">
                                    <a href=format!("/admin/carts/{}", cart.cart_id)>
                                        <code>{cart.help_code}</code>
                                    </a>
                                </th>
                                <td>{cart.item_count}</td>
                                <td>{format_cents(cart.total_cents)}</td>
                                <td>{describe_idle(seconds_between(&cart.updated_at, &as_of))}</td>
                                <td>{cart.customer.unwrap_or_else(|| "Anonymous".into())}</td>
                                <td>{cart.device}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
