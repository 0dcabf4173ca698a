//! The rep's tools on the cart detail page: change lines, add products, give and take back
//! discounts, send links, and the audit timeline. Every form carries the cart version it was
//! drawn from and a request id, so stale or repeated submissions are caught on the server.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::rep::{
    search_products, RepAddDiscount, RepAddItem, RepPushLink, RepRemoveDiscount, RepRemoveItem,
    RepSetQuantity,
};
use crate::components::loaded::{load, Loaded};
use crate::components::quantity_field::{QuantityDrafts, QuantityField};
use crate::error::AppError;
use crate::model::admin::{describe_idle, AuditEntry, CartDetail};
use crate::model::cart::{AppliedDiscount, CartLine};
use crate::model::catalog::ProductSummary;
use crate::model::money::format_cents;
use crate::model::pricing::DiscountCap;

/// Which tool an action belongs to: its failure is shown beside that tool's form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Lines,
    Add,
    Discounts,
    Link,
}

/// An action's failure, numbered so it takes focus once (not at every live redraw).
#[derive(Clone, Debug)]
pub struct Failure {
    pub tool: Tool,
    pub error: AppError,
    pub number: u64,
}

/// The rep's actions on one cart, shared by the tools; any outcome refetches the cart.
#[derive(Clone, Copy)]
pub struct RepActions {
    pub add: ServerAction<RepAddItem>,
    pub set: ServerAction<RepSetQuantity>,
    pub remove: ServerAction<RepRemoveItem>,
    pub discount: ServerAction<RepAddDiscount>,
    pub undiscount: ServerAction<RepRemoveDiscount>,
    pub link: ServerAction<RepPushLink>,
    /// The latest failure, shown beside the form that caused it.
    pub failure: RwSignal<Option<Failure>>,
    /// The number of the failure that already took focus.
    focused: StoredValue<u64>,
    /// Bumped after every action so the detail refetches.
    pub revision: RwSignal<u64>,
    /// The cart as the latest action answered with it, for the page to show at once (the
    /// refetch follows), so a field a change was sent from never shows the cart from before.
    pub answered: RwSignal<Option<CartDetail>>,
    /// What the rep is typing, kept across redraws.
    pub drafts: RepDrafts,
    /// The quantities the rep is typing into the cart's lines, likewise.
    pub quantities: QuantityDrafts,
    /// Catalog matches for the search box.
    pub search_results: Loaded<Result<Vec<ProductSummary>, AppError>>,
}

/// What the rep is typing into the tools. The tools are redrawn whenever the cart is
/// refetched, which live updates do at any moment (the shopper changing the cart, a presence
/// change); kept here, at page level, a half-typed search, discount or link survives that.
#[derive(Clone, Copy)]
pub struct RepDrafts {
    pub search: RwSignal<String>,
    pub discount_target: RwSignal<String>,
    pub discount_kind: RwSignal<String>,
    pub discount_amount: RwSignal<String>,
    pub discount_reason: RwSignal<String>,
    pub link_path: RwSignal<String>,
    pub link_note: RwSignal<String>,
}

impl RepDrafts {
    fn new() -> Self {
        Self {
            search: RwSignal::new(String::new()),
            discount_target: RwSignal::new("cart".into()),
            discount_kind: RwSignal::new("percent".into()),
            discount_amount: RwSignal::new(String::new()),
            discount_reason: RwSignal::new(String::new()),
            link_path: RwSignal::new(String::new()),
            link_note: RwSignal::new(String::new()),
        }
    }

    fn clear_discount(self) {
        self.discount_target.set("cart".into());
        self.discount_kind.set("percent".into());
        self.discount_amount.set(String::new());
        self.discount_reason.set(String::new());
    }

    fn clear_link(self) {
        self.link_path.set(String::new());
        self.link_note.set(String::new());
    }
}

/// Creates the actions and the drafts, and watches the actions' outcomes.
pub fn provide_rep_actions() -> RepActions {
    let drafts = RepDrafts::new();
    let search_results = load(
        move || drafts.search.get(),
        |query| async move {
            if query.trim().len() < 2 {
                Ok(Vec::new())
            } else {
                search_products(query).await
            }
        },
    );
    let set = ServerAction::new();
    let actions = RepActions {
        add: ServerAction::new(),
        set,
        remove: ServerAction::new(),
        discount: ServerAction::new(),
        undiscount: ServerAction::new(),
        link: ServerAction::new(),
        failure: RwSignal::new(None),
        focused: StoredValue::new(0),
        revision: RwSignal::new(0),
        answered: RwSignal::new(None),
        drafts,
        // Dropping a line's draft at the answer briefly sets its field back to the drawing's
        // quantity; the answer is shown (`answered`) in the same pass, before the browser
        // paints, so the field never shows it.
        quantities: QuantityDrafts::new(set, |sent: &RepSetQuantity| {
            (sent.product_id, sent.quantity.clone())
        }),
        search_results,
    };
    watch(actions.add, actions, Tool::Add, || {});
    watch(actions.set, actions, Tool::Lines, || {});
    watch(actions.remove, actions, Tool::Lines, || {});
    // A sent discount or link is done with: its form starts empty again.
    watch(actions.discount, actions, Tool::Discounts, move || {
        drafts.clear_discount()
    });
    watch(actions.undiscount, actions, Tool::Discounts, || {});
    watch(actions.link, actions, Tool::Link, move || {
        drafts.clear_link()
    });
    provide_context(actions);
    actions
}

/// Shows `action`'s failure beside `tool` (or clears the last one), refetches the cart either
/// way, and runs `on_success` when it succeeded.
fn watch<A>(
    action: ServerAction<A>,
    actions: RepActions,
    tool: Tool,
    on_success: impl Fn() + 'static,
) where
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
                if let Ok(detail) = outcome {
                    on_success();
                    actions.answered.set(Some(detail.clone()));
                }
                let number = actions.focused.get_value() + 1;
                actions
                    .failure
                    .set(outcome.clone().err().map(|error| Failure {
                        tool,
                        error,
                        number,
                    }));
                // On success the cart changed; on a conflict it changed under us: refetch both ways.
                actions.revision.update(|r| *r += 1);
            }
        },
        false,
    );
}

/// The actions and drafts provided by [`provide_rep_actions`].
pub fn use_rep_actions() -> RepActions {
    expect_context::<RepActions>()
}

/// The latest failure of `tool`'s actions, where the rep is looking: beside the form, read
/// out at once (`role="alert"`), and focused the first time it is drawn.
#[component]
pub fn ToolError(tool: Tool) -> impl IntoView {
    let actions = use_rep_actions();
    move || {
        let failure = actions
            .failure
            .get()
            .filter(|failure| failure.tool == tool)?;
        let node = NodeRef::<leptos::html::P>::new();
        let number = failure.number;
        Effect::new(move |_| {
            let Some(element) = node.get() else { return };
            let Some(done) = actions.focused.try_get_value() else {
                return;
            };
            // Focused the first time it is drawn; and again when a redraw of the cart (the
            // refetch after the refusal, a live change) replaced the element that had the
            // focus, which leaves it on the body, but never taken from where the rep went.
            let focus_dropped = || {
                let document = document();
                document.active_element().is_none()
                    || document.active_element().map(|active| active.tag_name())
                        == Some("BODY".into())
            };
            if done < number || (done == number && focus_dropped()) {
                actions.focused.try_set_value(number);
                let _ = element.focus();
            }
        });
        Some(view! {
            <p class="tool-error" role="alert" tabindex="-1" node_ref=node data-testid="tool-error">
                {failure.error.to_string()}
            </p>
        })
    }
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

/// A text input bound to a draft: shows it, and keeps it as the rep types.
#[component]
fn DraftInput(draft: RwSignal<String>) -> impl IntoView {
    view! { <input prop:value=draft on:input=move |event| draft.set(event_target_value(&event))/> }
}

/// An option selected while the draft holds its value.
#[component]
fn DraftOption(draft: RwSignal<String>, value: String, label: String) -> impl IntoView {
    let selected = {
        let value = value.clone();
        move || draft.with(|draft| *draft == value)
    };
    view! { <option value=value prop:selected=selected>{label}</option> }
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
            <QuantityField drafts=actions.quantities product_id=line.product_id quantity=line.quantity label redrawn=true/>
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
    let query = actions.drafts.search;
    let results = actions.search_results;
    view! {
        <section class="rep-tool">
            <h2>"Add a product"</h2>
            <ToolError tool=Tool::Add/>
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
    /// The cap the rep works under, `None` for a discount manager.
    cap: Option<DiscountCap>,
) -> impl IntoView {
    let actions = use_rep_actions();
    let drafts = actions.drafts;
    let percent = move || drafts.discount_kind.with(|kind| kind != "fixed");
    let cap_note = cap.map(|cap| {
        view! {
            <p class="cap-note" id="discount-cap" data-testid="cap-note">
                {format!("Your discounts on this cart: {}", cap.summary())}
            </p>
        }
    });
    view! {
        <section class="rep-tool">
            <h2>"Discounts"</h2>
            <ToolError tool=Tool::Discounts/>
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
                    <select name="target" on:change=move |event| drafts.discount_target.set(event_target_value(&event))>
                        <DraftOption draft=drafts.discount_target value="cart".into() label="Whole cart".into()/>
                        {lines
                            .into_iter()
                            .map(|line| view! {
                                <DraftOption draft=drafts.discount_target value=line.product_id.to_string() label=line.name/>
                            })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    "Kind "
                    <select name="kind" on:change=move |event| drafts.discount_kind.set(event_target_value(&event))>
                        <DraftOption draft=drafts.discount_kind value="percent".into() label="Percent".into()/>
                        <DraftOption draft=drafts.discount_kind value="fixed".into() label="Fixed amount ($)".into()/>
                    </select>
                </label>
                <label>
                    "Amount "
                    <span class="amount-field">
                        <span class="unit" aria-hidden="true">{move || (!percent()).then_some("$")}</span>
                        <DraftInput
                            draft=drafts.discount_amount
                            attr:name="amount"
                            attr:size="6"
                            attr:required=true
                            attr:inputmode="decimal"
                            attr:aria-describedby=cap_note.is_some().then_some("discount-cap")
                        />
                        <span class="unit" aria-hidden="true">{move || percent().then_some("%")}</span>
                        <span class="visually-hidden">
                            {move || if percent() { " (percent)" } else { " (dollars)" }}
                        </span>
                    </span>
                </label>
                {cap_note}
                <label>"Reason " <DraftInput draft=drafts.discount_reason attr:name="reason" attr:size="30" attr:required=true attr:minlength="3"/></label>
                <button type="submit">"Give discount"</button>
            </ActionForm>
        </section>
    }
}

/// Send the shopper a link to a page of this site.
#[component]
pub fn PushLink(cart_id: i64, version: i64) -> impl IntoView {
    let actions = use_rep_actions();
    let drafts = actions.drafts;
    view! {
        <section class="rep-tool">
            <h2>"Send a link"</h2>
            <ToolError tool=Tool::Link/>
            <ActionForm action=actions.link attr:class="link-form">
                <CartFields cart_id version request_id=request_id(actions.link)/>
                <label>"Page " <DraftInput draft=drafts.link_path attr:name="path" attr:size="30" attr:placeholder="/products/helmet-aero" attr:required=true/></label>
                <label>"Note " <DraftInput draft=drafts.link_note attr:name="note" attr:size="30" attr:placeholder="Optional"/></label>
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
