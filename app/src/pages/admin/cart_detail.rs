//! `/admin/carts/:id`: one shopper's cart as the rep sees it.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::layout::CurrentStaff;
use super::rep_tools::{
    provide_rep_actions, AddProduct, AuditTimeline, Discounts, LineControls, PushLink, Tool,
    ToolError,
};
use crate::api::admin::{get_cart_detail, get_cart_presence};
use crate::components::clock::{now_ms, HIGHLIGHT_MS};
use crate::components::error_notice::ErrorNotice;
use crate::components::live::{coalesce, is_presence, use_live_events};
use crate::components::loaded::load;
use crate::error::AppError;
use crate::model::admin::{describe_changes, describe_idle, CartDetail};
use crate::model::cart::CartView;
use crate::model::money::format_cents;
use crate::model::staff::Role;

/// The cart detail page.
#[component]
pub fn AdminCartPage() -> impl IntoView {
    let params = use_params_map();
    let cart_id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    // Loaded whole on arrival, after a resync and after the rep's own actions; between
    // those, this cart's events are drained (at most one request per 150 ms, one at a time)
    // into a fetch of the detail when its version moved on, or of presence alone.
    let live = use_live_events();
    let reloads = move || live.map(|live| (live.resyncs.get(), live.went_live.get()));
    let actions = provide_rep_actions();
    // The cart the page shows now, read without tracking (from inside loads).
    let cart_now = move || {
        params
            .try_with_untracked(|params| params.get("id"))
            .flatten()
            .and_then(|id| id.parse::<i64>().ok())
    };
    let visit = Visit::new();
    keep_marked_as_viewing(cart_id, visit);
    let detail = load(
        move || (cart_id(), reloads(), actions.revision.get()),
        move |(id, _, _)| async move {
            match id {
                Some(id) => {
                    let detail = get_cart_detail(id, visit.of(id)).await;
                    if let Ok(detail) = &detail {
                        visit.settle(cart_now(), detail);
                    }
                    detail
                }
                None => Err(AppError::NotFound(
                    "There is no cart with that number.".into(),
                )),
            }
        },
    );
    // The detail on screen: set from each load, replaced or patched by live changes.
    let shown = RwSignal::new(None::<CartDetail>);
    // The cart as the rep's own change answered with it, shown at once (the refetch follows).
    Effect::watch(
        move || actions.answered.get(),
        move |answered, _, _| {
            let Some(answered) = answered.clone() else {
                return;
            };
            if cart_now() != Some(answered.cart.cart_id) {
                return;
            }
            show_if_newer(shown, answered);
        },
        false,
    );
    // What changed live, read out by screen readers (the page's own actions are not).
    let announcement = RwSignal::new(String::new());
    if let Some(live) = live {
        coalesce(live.feed(), move |changes| async move {
            let Some(id) = params
                .try_with_untracked(|params| params.get("id"))
                .flatten()
                .and_then(|id| id.parse::<i64>().ok())
            else {
                return;
            };
            let Some(Some(shown_version)) =
                shown.try_with_untracked(|shown| shown.as_ref().map(|d| d.cart.version))
            else {
                return;
            };
            let ours = changes.iter().filter(|change| change.cart_id == id);
            let moved_on = ours
                .clone()
                .any(|change| !is_presence(&change.op) && change.version > shown_version);
            if moved_on {
                match get_cart_detail(id, visit.of(id)).await {
                    Ok(fresh) => {
                        visit.settle(cart_now(), &fresh);
                        let said = shown
                            .try_with_untracked(|shown| {
                                shown
                                    .as_ref()
                                    .map(|before| describe_changes(before, &fresh))
                            })
                            .flatten();
                        show_if_newer(shown, fresh);
                        if let Some(said) = said.filter(|said| !said.is_empty()) {
                            announcement.try_set(said);
                        }
                    }
                    Err(_) => {
                        if shown.try_get_untracked().is_some() {
                            detail.refetch();
                        }
                    }
                }
            } else if ours.clone().any(|change| is_presence(&change.op)) {
                if let Ok(presence) = get_cart_presence(id).await {
                    let moved = shown
                        .try_with_untracked(|shown| {
                            shown
                                .as_ref()
                                .is_some_and(|d| d.shopper_online != presence.shopper_online)
                        })
                        .unwrap_or(false);
                    shown.try_update(|shown| {
                        if let Some(shown) = shown {
                            shown.shopper_online = presence.shopper_online;
                        }
                    });
                    if moved {
                        announcement.try_set(
                            if presence.shopper_online {
                                "The shopper is on the site."
                            } else {
                                "The shopper left the site."
                            }
                            .to_string(),
                        );
                    }
                }
            }
        });
    }
    // What the rep saw before, to highlight lines that changed (for a few seconds, however
    // many refreshes happen meanwhile).
    let previous = StoredValue::new(None::<CartView>);
    let changed_at = StoredValue::new(HashMap::<i64, f64>::new());
    let marks = super::marks::use_cart_marks();
    let draw = move |detail: CartDetail| {
        // Where the rep was in the drawing about to be replaced.
        #[cfg(any(feature = "hydrate", feature = "csr"))]
        let focused = super::keep_focus::remember(WORKSPACE);
        // The rep has seen this cart now: its marker in the list goes.
        marks.saw(detail.cart.cart_id, detail.cart.version);
        let lines: Vec<i64> = detail
            .cart
            .lines
            .iter()
            .map(|line| line.product_id)
            .collect();
        actions
            .quantities
            .keep_only_lines(detail.cart.cart_id, &lines);
        let now = now_ms();
        let newly = previous
            .try_with_value(|before| changed_lines(before.as_ref(), &detail.cart))
            .unwrap_or_default();
        previous.try_set_value(Some(detail.cart.clone()));
        changed_at.try_update_value(|at| {
            for product_id in newly {
                at.insert(product_id, now);
            }
        });
        let changed = changed_at
            .try_with_value(|at| {
                at.iter()
                    .filter(|(_, when)| now - **when < HIGHLIGHT_MS)
                    .map(|(product_id, _)| *product_id)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        #[cfg(any(feature = "hydrate", feature = "csr"))]
        if let Some(focused) = focused {
            // Runs once the new drawing is in the page.
            Effect::new(move |_| super::keep_focus::restore(WORKSPACE, &focused));
        }
        view! { <CartDetailView detail changed/> }.into_any()
    };
    view! {
        <p class="visually-hidden" aria-live="polite" data-testid="cart-announcer">
            {move || announcement.get()}
        </p>
        <Transition fallback=|| view! { <p>"Loading the cart…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => {
                        visit.settle(cart_now(), &detail);
                        // A load begun before the rep's latest change landed after its answer.
                        show_if_newer(shown, detail);
                        (move || shown.get().map(draw)).into_any()
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

/// Shows `fresh` unless the page shows a later version of the same cart: loads, live
/// fetches and the answers to the rep's own changes land in any order.
fn show_if_newer(shown: RwSignal<Option<CartDetail>>, fresh: CartDetail) {
    shown.try_maybe_update(|shown| {
        let newer = shown.as_ref().is_none_or(|d| {
            d.cart.cart_id != fresh.cart.cart_id || d.cart.version <= fresh.cart.version
        });
        if newer {
            *shown = Some(fresh);
        }
        (newer, ())
    });
}

/// The part of the page drawn from the cart, where the rep's controls are.
#[cfg(any(feature = "hydrate", feature = "csr"))]
const WORKSPACE: &str = ".cart-workspace";

/// Products whose line is new or has a different quantity than before.
fn changed_lines(before: Option<&CartView>, now: &CartView) -> Vec<i64> {
    let Some(before) = before.filter(|before| before.cart_id == now.cart_id) else {
        return Vec::new();
    };
    now.lines
        .iter()
        .filter(|line| {
            !before
                .lines
                .iter()
                .any(|old| old.product_id == line.product_id && old.quantity == line.quantity)
        })
        .map(|line| line.product_id)
        .collect()
}

/// This page's visit of the cart it shows (see `server::presence`): the cart and the token the
/// server gave the page's first load of it, sent back to stay marked and to say it left.
#[derive(Clone, Copy)]
struct Visit(StoredValue<Option<(i64, String)>>);

impl Visit {
    fn new() -> Self {
        Self(StoredValue::new(None))
    }

    /// The token of this page's visit of `cart_id`; `None` before its first load (which
    /// starts a visit).
    fn of(self, cart_id: i64) -> Option<String> {
        self.0
            .try_with_value(|visit| {
                visit
                    .as_ref()
                    .filter(|(of_cart, _)| *of_cart == cart_id)
                    .map(|(_, token)| token.clone())
            })
            .flatten()
    }

    /// Takes the visit a load started, when it is this page's visit of the cart on screen
    /// (`cart_now`). A visit nobody will take (its load was overtaken by another, or the page
    /// moved to another cart meanwhile) is ended at once, or the rep would stay shown on a
    /// cart they only passed through.
    fn settle(self, cart_now: Option<i64>, detail: &CartDetail) {
        let Some(token) = detail.visit.clone() else {
            return;
        };
        let cart_id = detail.cart.cart_id;
        let ours = self.of(cart_id);
        if cart_now == Some(cart_id) && ours.as_ref().is_none_or(|ours| *ours == token) {
            self.0.try_set_value(Some((cart_id, token)));
        } else if ours.as_ref() != Some(&token) {
            end_visit(cart_id, token);
        }
    }

    /// The visit under way, if any.
    #[cfg(any(feature = "hydrate", feature = "csr"))]
    fn current(self) -> Option<(i64, String)> {
        self.0.try_get_value().flatten()
    }

    /// Ends this page's part in the visit (the server is told separately).
    #[cfg(any(feature = "hydrate", feature = "csr"))]
    fn forget(self) {
        self.0.try_set_value(None);
    }
}

/// Tells the server this page's visit of `cart_id` ended (in the browser; a server render
/// never ends one: the page it renders goes on with its visit).
fn end_visit(cart_id: i64, token: String) {
    #[cfg(any(feature = "hydrate", feature = "csr"))]
    leptos::task::spawn_local(async move {
        let _ = crate::api::rep::rep_left(cart_id, token).await;
    });
    #[cfg(not(any(feature = "hydrate", feature = "csr")))]
    let _ = (cart_id, token);
}

/// While the page is open, tells the shopper's page every 15 s that a rep is viewing; when
/// the rep opens another cart, leaves for another page, reloads or closes the tab, ends the
/// visit (the tab's last word is a beacon, which the browser sends even as the page goes
/// away), so the shopper's banner goes now rather than when the mark would have run out.
fn keep_marked_as_viewing(cart_id: impl Fn() -> Option<i64> + Send + Sync + 'static, visit: Visit) {
    #[cfg(any(feature = "hydrate", feature = "csr"))]
    {
        use crate::api::rep::{rep_viewing, RepLeft};
        use leptos::server_fn::ServerFn;

        let cart_id = std::sync::Arc::new(cart_id);
        let left = |(id, token): (i64, String)| end_visit(id, token);
        // A different cart on the same page (the address changed): the visit before ended.
        // The new cart's load starts a visit of its own.
        let current = cart_id.clone();
        Effect::new(move |_| {
            let id = current();
            if let Some(before) = visit.current().filter(|(before, _)| Some(*before) != id) {
                visit.forget();
                left(before);
            }
        });
        let current = cart_id.clone();
        let refresh = set_interval_with_handle(
            move || {
                if let Some((id, token)) = current().and_then(|id| Some((id, visit.of(id)?))) {
                    leptos::task::spawn_local(async move {
                        let _ = rep_viewing(id, token).await;
                    });
                }
            },
            std::time::Duration::from_secs(15),
        );
        let tab_gone = window_event_listener_untyped("pagehide", move |_| {
            let Some((id, token)) = visit.current() else {
                return;
            };
            let form = format!("cart_id={id}&visit={token}");
            let Ok(form) = web_sys::UrlSearchParams::new_with_str(&form) else {
                return;
            };
            let _ = window()
                .navigator()
                .send_beacon_with_opt_url_search_params(RepLeft::PATH, Some(&form));
        });
        on_cleanup(move || {
            if let Ok(refresh) = refresh {
                refresh.clear();
            }
            tab_gone.remove();
            if let Some(ended) = visit.current() {
                left(ended);
            }
        });
    }
    #[cfg(not(any(feature = "hydrate", feature = "csr")))]
    let _ = (cart_id, visit);
}

#[component]
fn CartDetailView(detail: CartDetail, changed: Vec<i64>) -> impl IntoView {
    let cart = detail.cart;
    let can_edit = detail.status == "active"
        && use_context::<CurrentStaff>().is_some_and(|staff| staff.has(Role::SalesRep));
    let (cart_id, version) = (cart.cart_id, cart.version);
    let tools = can_edit.then(|| {
        view! {
            <AddProduct cart_id version/>
            <Discounts
                cart_id
                version
                lines=cart.lines.clone()
                discounts=cart.discounts.clone()
                cap=detail.discount_cap.clone()
            />
            <PushLink cart_id version/>
        }
    });
    let presence = if detail.shopper_online {
        "On the site now"
    } else {
        "Not on the site"
    };
    let ordered = detail.order.clone().map(|(number, at)| {
        view! {
            <p class="notice notice-done" role="status" data-testid="cart-ordered">
                "This cart became order "
                <a href=format!("/admin/orders/{number}")><code>{number.clone()}</code></a>
                " at "
                <time datetime=at.clone()>{at.replace('T', " ")}</time>
                "."
            </p>
        }
    });
    view! {
        <Title text=format!("Cart {} · Tandem", cart.help_code)/>
        <h1>"Cart " <code data-testid="detail-help-code">{cart.help_code.clone()}</code></h1>
        {ordered}
        <div class="cart-workspace">
        <div class="cart-side">
        <dl class="cart-meta">
            <dt>"Customer"</dt>
            <dd>{detail.customer.unwrap_or_else(|| "Anonymous".into())}</dd>
            <dt>"Device"</dt>
            <dd title=detail.user_agent>{detail.device}</dd>
            <dt>"Last activity"</dt>
            <dd>{describe_idle(detail.idle_seconds)}</dd>
            <dt>"Opened"</dt>
            <dd>{describe_idle(detail.created_seconds_ago)}</dd>
            <dt>"Status"</dt>
            <dd>{detail.status}</dd>
            <dt>"Shopper"</dt>
            <dd data-testid="shopper-presence">{presence}</dd>
        </dl>
        // Refusals of line changes show above the lines, even when the last line is gone;
        // when the tools went away (the cart became an order meanwhile), theirs show here.
        <ToolError tool=Tool::Lines/>
        {(!can_edit).then(|| view! {
            <ToolError tool=Tool::Add/>
            <ToolError tool=Tool::Discounts/>
            <ToolError tool=Tool::Link/>
        })}
        {if cart.lines.is_empty() {
            view! { <p class="empty" data-testid="detail-empty">"This cart is empty."</p> }.into_any()
        } else {
            view! {
                <table class="cart-lines stack" data-testid="detail-lines">
                    <thead>
                        <tr>
                            <th scope="col">"Product"</th>
                            <th scope="col">"Price"</th>
                            <th scope="col">"Quantity"</th>
                            <th scope="col">"Total"</th>
                            <th scope="col">"Stock"</th>
                            <th scope="col">"Change"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {cart
                            .lines
                            .into_iter()
                            .map(|line| {
                                view! {
                                    <tr
                                        data-product=line.slug.clone()
                                        class:changed=changed.contains(&line.product_id)
                                    >
                                        <th scope="row">
                                            {line.name.clone()}
                                            {changed
                                                .contains(&line.product_id)
                                                .then(|| view! { <span class="marker">"changed"</span> })}
                                        </th>
                                        <td data-label="Price">{format_cents(line.unit_price_cents)}</td>
                                        <td class="quantity" data-label="Quantity">{line.quantity}</td>
                                        <td data-label="Total">
                                            {format_cents(line.line_total_cents)}
                                            {(line.discount_cents > 0)
                                                .then(|| format!(" (−{})", format_cents(line.discount_cents)))}
                                        </td>
                                        <td data-label="Stock">{line.stock}</td>
                                        <td class="wide">
                                            {can_edit
                                                .then(|| view! { <LineControls cart_id version line=line.clone()/> })}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
                .into_any()
        }}
        <dl class="totals">
            <dt>"Subtotal"</dt>
            <dd data-testid="detail-subtotal">{format_cents(cart.subtotal_cents)}</dd>
            {(cart.subtotal_cents != cart.total_cents)
                .then(|| {
                    view! {
                        <dt>"Discounts"</dt>
                        <dd data-testid="detail-discounts">
                            {format_cents(cart.total_cents - cart.subtotal_cents)}
                        </dd>
                    }
                })}
            <dt>"Total"</dt>
            <dd data-testid="detail-total">{format_cents(cart.total_cents)}</dd>
        </dl>
        </div>
        <div class="tools">
            {tools}
            <AuditTimeline entries=detail.audit/>
        </div>
        </div>
    }
    // Type-erased: the page's view type is otherwise too deep for the compiler.
    .into_any()
}
