//! `/admin`: the cart finder and the active-carts list.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, Redirect};
use leptos_router::hooks::use_query_map;

use super::orders::OrderTable;
use crate::api::admin::{find_carts, list_active_carts};
use crate::components::clock::{now_ms, HIGHLIGHT_MS};
use crate::components::error_notice::ErrorNotice;
use crate::components::live::use_live_events;
use crate::model::admin::{describe_idle, CartSummary};
use crate::model::money::format_cents;
use crate::model::page::Page;

/// Finder box on top; below it either the finder's results or the most recent carts, a
/// page at a time (`?after=` names the last row of the page before).
#[component]
pub fn ActiveCartsPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let after = move || query.read().get("after").unwrap_or_default();
    let found = Resource::new(
        move || (search(), after()),
        |(q, after)| async move {
            if q.trim().is_empty() {
                None
            } else {
                Some(find_carts(q, Some(after)).await)
            }
        },
    );
    // Refetched on every cart event and after every resync, so the list is always current.
    let live = use_live_events();
    let recent = Resource::new(
        move || {
            (
                live.map(|live| (live.resyncs.get(), live.last.get())),
                after(),
            )
        },
        |(_, after)| list_active_carts(Some(after)),
    );
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
        <Suspense fallback=|| view! { <p>"Searching…"</p> }>
            {move || Suspend::new(async move {
                match found.await {
                    None => view! { <RecentCarts recent/> }.into_any(),
                    Some(Ok(result)) => {
                        if let Some(number) = result.exact_order {
                            view! { <Redirect path=format!("/admin/orders/{number}")/> }.into_any()
                        } else if let Some(cart_id) = result.exact_cart {
                            view! { <Redirect path=format!("/admin/carts/{cart_id}")/> }.into_any()
                        } else {
                            let next = result
                                .next
                                .map(|next| format!("/admin?q={}&after={}", encode(&search()), encode(&next)));
                            let orders = (!result.orders.is_empty())
                                .then(|| {
                                    view! {
                                        <h2>"Their orders"</h2>
                                        <OrderTable orders=result.orders/>
                                    }
                                });
                            view! {
                                <h1>"Carts found by " {result.matched_by}</h1>
                                <CartTable carts=result.carts changed=Vec::new()/>
                                <NextPage next/>
                                {orders}
                            }
                                .into_any()
                        }
                    }
                    Some(Err(error)) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Suspense>
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

#[component]
fn RecentCarts(
    recent: Resource<Result<Page<CartSummary>, crate::error::AppError>>,
) -> impl IntoView {
    // Rows whose version moved on since an earlier refresh stay highlighted for a few
    // seconds, however many other carts change meanwhile.
    let seen = StoredValue::new(HashMap::<i64, (i64, f64)>::new());
    let highlight = move |carts: &[CartSummary]| -> Vec<i64> {
        let now = now_ms();
        seen.update_value(|seen| {
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
        seen.with_value(|seen| {
            carts
                .iter()
                .filter(|cart| {
                    seen.get(&cart.cart_id)
                        .is_some_and(|(_, at)| now - at < HIGHLIGHT_MS)
                })
                .map(|cart| cart.cart_id)
                .collect()
        })
    };
    view! {
        <h1>"Active carts"</h1>
        <Suspense fallback=|| view! { <p>"Loading carts…"</p> }>
            {move || Suspend::new(async move {
                match recent.await {
                    Ok(page) => {
                        let changed = highlight(&page.items);
                        let next = page.next.map(|next| format!("/admin?after={}", encode(&next)));
                        view! {
                            <CartTable carts=page.items changed/>
                            <NextPage next/>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Carts as rows, most recent activity first.
#[component]
pub fn CartTable(
    carts: Vec<CartSummary>,
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
                                <td>{describe_idle(cart.idle_seconds)}</td>
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
