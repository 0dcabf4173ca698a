//! The rep's tools on the cart detail page: change lines, add products, give and take back
//! discounts, send links, and the audit timeline. Every form carries the cart version it was
//! drawn from and a request id, so stale or repeated submissions are caught on the server.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::rep::{
    search_products, RepAddDiscount, RepAddItem, RepPushLink, RepRemoveDiscount, RepRemoveItem,
    RepSetQuantity,
};
use crate::error::AppError;
use crate::model::admin::{describe_idle, AuditEntry, CartDetail};
use crate::model::cart::{AppliedDiscount, CartLine};
use crate::model::money::format_cents;

/// The rep's actions on one cart, shared by the tools; any outcome refetches the cart.
#[derive(Clone, Copy)]
pub struct RepActions {
    pub add: ServerAction<RepAddItem>,
    pub set: ServerAction<RepSetQuantity>,
    pub remove: ServerAction<RepRemoveItem>,
    pub discount: ServerAction<RepAddDiscount>,
    pub undiscount: ServerAction<RepRemoveDiscount>,
    pub link: ServerAction<RepPushLink>,
    /// The latest failure, shown above the tools.
    pub error: RwSignal<Option<AppError>>,
    /// Bumped after every action so the detail refetches.
    pub revision: RwSignal<u64>,
}

/// Creates the actions and watches their outcomes.
pub fn provide_rep_actions() -> RepActions {
    let actions = RepActions {
        add: ServerAction::new(),
        set: ServerAction::new(),
        remove: ServerAction::new(),
        discount: ServerAction::new(),
        undiscount: ServerAction::new(),
        link: ServerAction::new(),
        error: RwSignal::new(None),
        revision: RwSignal::new(0),
    };
    watch(actions.add, actions);
    watch(actions.set, actions);
    watch(actions.remove, actions);
    watch(actions.discount, actions);
    watch(actions.undiscount, actions);
    watch(actions.link, actions);
    provide_context(actions);
    actions
}

fn watch<A>(action: ServerAction<A>, actions: RepActions)
where
    A: leptos::server_fn::ServerFn<Output = CartDetail, Error = AppError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    Effect::watch(
        move || action.value().get(),
        move |outcome, _, _| {
            if let Some(outcome) = outcome {
                actions.error.set(outcome.clone().err());
                // On success the cart changed; on a conflict it changed under us: refetch both ways.
                actions.revision.update(|r| *r += 1);
            }
        },
        false,
    );
}

fn use_rep_actions() -> RepActions {
    expect_context::<RepActions>()
}

/// A request id that changes after each completed submission of `action`.
fn request_id<A>(action: ServerAction<A>) -> impl Fn() -> String + Send + Sync + Copy + 'static
where
    A: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    A::Output: Send + Sync + 'static,
    A::Error: Send + Sync + 'static,
{
    move || {
        action.version().track();
        Uuid::new_v4().to_string()
    }
}

/// Hidden fields every rep form carries.
#[component]
fn CartFields(
    cart_id: i64,
    version: i64,
    request_id: impl Fn() -> String + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <input type="hidden" name="cart_id" value=cart_id.to_string()/>
        <input type="hidden" name="version" value=version.to_string()/>
        <input type="hidden" name="request_id" value=request_id/>
    }
}

/// Quantity and remove controls for one line.
#[component]
pub fn LineControls(cart_id: i64, version: i64, line: CartLine) -> impl IntoView {
    let actions = use_rep_actions();
    let label = format!("Quantity of {}", line.name);
    let remove_label = format!("Remove {}", line.name);
    view! {
        <ActionForm action=actions.set attr:class="inline">
            <CartFields cart_id version request_id=request_id(actions.set)/>
            <input type="hidden" name="product_id" value=line.product_id.to_string()/>
            <input type="number" name="quantity" value=line.quantity.to_string() min="1" max="99" aria-label=label/>
            <button type="submit">"Set"</button>
        </ActionForm>
        <ActionForm action=actions.remove attr:class="inline">
            <CartFields cart_id version request_id=request_id(actions.remove)/>
            <input type="hidden" name="product_id" value=line.product_id.to_string()/>
            <button type="submit" class="secondary" aria-label=remove_label>"Remove"</button>
        </ActionForm>
    }
}

/// Search the catalog and add a product.
#[component]
pub fn AddProduct(cart_id: i64, version: i64) -> impl IntoView {
    let actions = use_rep_actions();
    let query = RwSignal::new(String::new());
    let results = Resource::new(
        move || query.get(),
        |query| async move {
            if query.trim().len() < 2 {
                Ok(Vec::new())
            } else {
                search_products(query).await
            }
        },
    );
    view! {
        <section class="rep-tool">
            <h2>"Add a product"</h2>
            <label>
                "Search products "
                <input
                    type="search"
                    prop:value=query
                    on:input=move |event| query.set(event_target_value(&event))
                    placeholder="e.g. helmet"
                />
            </label>
            <Transition fallback=|| ()>
                <ul class="product-results">
                    {move || {
                        results
                            .get()
                            .and_then(Result::ok)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|product| {
                                let label = format!("Add {} to the shopper's cart", product.name);
                                view! {
                                    <li>
                                        <span>{product.name.clone()}</span>
                                        " " <span class="price">{format_cents(product.price_cents)}</span>
                                        <ActionForm action=actions.add attr:class="inline">
                                            <CartFields cart_id version request_id=request_id(actions.add)/>
                                            <input type="hidden" name="product_id" value=product.product_id.to_string()/>
                                            <input type="hidden" name="quantity" value="1"/>
                                            <button type="submit" aria-label=label disabled=product.stock == 0>
                                                "Add"
                                            </button>
                                        </ActionForm>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </Transition>
        </section>
    }
}

/// Give a discount (with a required reason), and take given ones back.
#[component]
pub fn Discounts(
    cart_id: i64,
    version: i64,
    lines: Vec<CartLine>,
    discounts: Vec<AppliedDiscount>,
) -> impl IntoView {
    let actions = use_rep_actions();
    view! {
        <section class="rep-tool">
            <h2>"Discounts"</h2>
            <ul class="discounts" data-testid="rep-discounts">
                {discounts
                    .into_iter()
                    .map(|applied| {
                        let target = applied.product_name.clone().unwrap_or_else(|| "whole cart".into());
                        view! {
                            <li>
                                {format!(
                                    "{} off {} — {} (by {}), takes {}",
                                    applied.discount.describe(),
                                    target,
                                    applied.discount.reason,
                                    applied.discount.given_by,
                                    format_cents(applied.taken_cents),
                                )}
                                <ActionForm action=actions.undiscount attr:class="inline">
                                    <CartFields cart_id version request_id=request_id(actions.undiscount)/>
                                    <input type="hidden" name="discount_id" value=applied.discount.discount_id.to_string()/>
                                    <button type="submit" class="secondary">"Remove"</button>
                                </ActionForm>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <ActionForm action=actions.discount attr:class="discount-form">
                <CartFields cart_id version request_id=request_id(actions.discount)/>
                <label>
                    "On "
                    <select name="target">
                        <option value="cart">"Whole cart"</option>
                        {lines
                            .into_iter()
                            .map(|line| view! { <option value=line.product_id.to_string()>{line.name}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    "Kind "
                    <select name="kind">
                        <option value="percent">"Percent"</option>
                        <option value="fixed">"Fixed amount ($)"</option>
                    </select>
                </label>
                <label>"Amount " <input name="amount" size="6" required/></label>
                <label>"Reason " <input name="reason" size="30" required minlength="3"/></label>
                <button type="submit">"Give discount"</button>
            </ActionForm>
        </section>
    }
}

/// Send the shopper a link to a page of this site.
#[component]
pub fn PushLink(cart_id: i64, version: i64) -> impl IntoView {
    let actions = use_rep_actions();
    view! {
        <section class="rep-tool">
            <h2>"Send a link"</h2>
            <ActionForm action=actions.link attr:class="link-form">
                <CartFields cart_id version request_id=request_id(actions.link)/>
                <label>"Page " <input name="path" size="30" placeholder="/products/helmet-aero" required/></label>
                <label>"Note " <input name="note" size="30" placeholder="Optional"/></label>
                <button type="submit">"Send link"</button>
            </ActionForm>
        </section>
    }
}

/// What reps did to this cart, newest first.
#[component]
pub fn AuditTimeline(entries: Vec<AuditEntry>) -> impl IntoView {
    view! {
        <section class="rep-tool">
            <h2>"History"</h2>
            {if entries.is_empty() {
                view! { <p class="empty">"No rep actions yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="audit" data-testid="audit">
                        {entries
                            .into_iter()
                            .map(|entry| {
                                view! {
                                    <li data-action=entry.action.clone()>
                                        <span class="when">{describe_idle(entry.seconds_ago)}</span>
                                        " · " <strong>{entry.who}</strong> ": " {entry.summary}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                }
                    .into_any()
            }}
        </section>
    }
}
