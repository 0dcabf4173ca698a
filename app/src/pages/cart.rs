//! The cart page: lines with quantities to change, totals, and the help code to read to a rep.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::cart::{store_contact, RemoveFromCart, SetQuantity};
use crate::api::checkout::EmailCartLink;
use crate::components::cart_state::{use_cart_state, CartState, Notice};
use crate::components::error_notice::ErrorNotice;
use crate::components::loaded::load;
use crate::components::quantity_field::{QuantityDrafts, QuantityField};
use crate::error::AppError;
use crate::model::cart::{CartLine, CartView};
use crate::model::catalog::StoreContact;
use crate::model::money::format_cents;

/// `/cart`.
#[component]
pub fn CartPage() -> impl IntoView {
    // The island is handed what it shows first rather than loading it: an island whose code
    // is fetched first must make no resource of its own (the browser numbers resources in
    // the order it makes them, and the frame's go on while the code is on its way), and it
    // must hydrate exactly what the server rendered, whatever the frame's cart did meanwhile.
    let state = use_cart_state();
    let contact = load(|| (), |_| store_contact());
    view! {
        <Title text="Your cart · Tandem Cycles"/>
        <h1>"Your cart"</h1>
        <Suspense fallback=|| view! { <p>"Loading your cart…"</p> }>
            {move || Suspend::new(async move {
                let first = state.cart.await;
                let contact = contact.await.ok();
                view! { <CartShown first contact/> }
            })}
        </Suspense>
    }
}

/// The cart as it is now: an island, following the page's cart after each change here or by
/// a rep. It hydrates `first` (what the server rendered), then follows the page's cart. Its
/// code is fetched when the cart is opened, not with the catalog. (The staff console's wasm
/// is not split, and does not hydrate storefront pages: there it is a plain component.)
///
/// A change redraws only what changed: lines are kept by product, so a field being typed
/// into (a quantity, the email for a link) keeps its text and the cursor.
#[cfg_attr(not(feature = "console"), island(lazy))]
#[cfg_attr(feature = "console", component)]
fn CartShown(
    first: Result<Option<CartView>, AppError>,
    contact: Option<StoreContact>,
) -> impl IntoView {
    let state = use_cart_state();
    let actions = LineActions {
        set: ServerAction::new(),
        remove: ServerAction::new(),
    };
    state.watch_outcome(actions.set, |_| "Quantity updated.".to_string());
    state.watch_outcome(actions.remove, |_| "Removed from your cart.".to_string());
    let drafts = QuantityDrafts::new(actions.set, |sent: &SetQuantity| {
        (sent.product_id, sent.quantity.clone())
    });
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| {
        hydrated.set(true);
        #[cfg(feature = "hydrate")]
        crate::components::ready::mark_ready();
    });
    // While a refetch is under way the cart keeps its last value.
    let cart = Memo::new(move |_| {
        hydrated
            .get()
            .then(|| state.cart.get())
            .flatten()
            .unwrap_or_else(|| first.clone())
    });
    let with_lines = Memo::new(move |_| {
        cart.with(|cart| cart.as_ref().ok().cloned().flatten())
            .filter(|cart| !cart.lines.is_empty())
    });
    // Made before the lines' fields, so it runs before their first runs: a draft of a line
    // that is gone never reaches a field.
    Effect::new(move |_| {
        cart.with(|cart| match cart {
            Ok(Some(cart)) => {
                let lines: Vec<i64> = cart.lines.iter().map(|line| line.product_id).collect();
                drafts.keep_only_lines(cart.cart_id, &lines);
            }
            Ok(None) => drafts.forget_all(),
            // A failed load says nothing about which lines there are.
            Err(_) => {}
        })
    });
    // What is drawn is chosen by the cart's kind, so a change within a cart with lines
    // is not a new drawing.
    let kind = Memo::new(move |_| {
        cart.with(|cart| match cart {
            Ok(Some(cart)) if !cart.lines.is_empty() => Shown::Lines(cart.cart_id),
            Ok(Some(cart)) => Shown::Empty(Some(cart.help_code.clone())),
            Ok(None) => Shown::Empty(None),
            Err(error) => Shown::Failed(error.clone()),
        })
    });
    move || {
        let contact = contact.clone();
        match kind.get() {
            Shown::Lines(_) => view! {
                <CartContents cart=with_lines state actions drafts contact/>
            }
            .into_any(),
            Shown::Empty(Some(code)) => view! {
                <HelpCode code contact/>
                <EmptyCart/>
            }
            .into_any(),
            Shown::Empty(None) => view! { <EmptyCart/> }.into_any(),
            Shown::Failed(error) => view! { <ErrorNotice error/> }.into_any(),
        }
    }
}

/// What kind of cart is shown: one with lines (which: the browser's cart can become another,
/// opened from an emailed link), an empty one (with its help code, if there is a cart), or
/// what went wrong.
#[derive(Clone, PartialEq)]
enum Shown {
    Lines(i64),
    Empty(Option<String>),
    Failed(AppError),
}

#[component]
fn EmptyCart() -> impl IntoView {
    view! {
        <p class="empty" data-testid="empty-cart">
            "Your cart is empty. " <a href="/">"Browse the catalog"</a>
        </p>
    }
}

/// The code a shopper reads to a sales rep on the phone, with the number to call.
#[component]
fn HelpCode(code: String, contact: Option<StoreContact>) -> impl IntoView {
    view! {
        <aside class="help-code" aria-label="Help by phone">
            "Need help? Call us and give this code: "
            <strong data-testid="help-code">{code}</strong>
            {contact
                .map(|contact| {
                    view! {
                        <span class="store-contact" data-testid="store-contact">
                            <a href=contact.dial_uri()>{contact.phone.clone()}</a>
                            {format!(" · {}", contact.hours)}
                        </span>
                    }
                })}
        </aside>
    }
}

/// The forms of the cart's lines.
#[derive(Clone, Copy)]
struct LineActions {
    set: ServerAction<SetQuantity>,
    remove: ServerAction<RemoveFromCart>,
}

/// A cart with lines, drawn once and kept up to date as `cart` changes.
#[component]
fn CartContents(
    cart: Memo<Option<CartView>>,
    state: CartState,
    actions: LineActions,
    drafts: QuantityDrafts,
    contact: Option<StoreContact>,
) -> impl IntoView {
    let help_code = cart.with_untracked(|cart| {
        cart.as_ref()
            .map(|cart| cart.help_code.clone())
            .unwrap_or_default()
    });
    let version =
        Memo::new(move |_| cart.with(|cart| cart.as_ref().map_or(0, |cart| cart.version)));
    let cents = move |of: fn(&CartView) -> i64| {
        move || format_cents(cart.with(|cart| cart.as_ref().map_or(0, of)))
    };
    let product_ids = move || {
        cart.with(|cart| {
            cart.as_ref().map_or_else(Vec::new, |cart| {
                cart.lines
                    .iter()
                    .map(|line| line.product_id)
                    .collect::<Vec<_>>()
            })
        })
    };
    let line_now = move |product_id: i64| {
        cart.with(|cart| {
            cart.as_ref()
                .and_then(|cart| cart.lines.iter().find(|line| line.product_id == product_id))
                .cloned()
        })
    };
    let row = move |product_id: i64| {
        let first = line_now(product_id)?;
        // The line as it is now; the last one seen while the row is on its way out.
        let line = Memo::new(move |last: Option<&CartLine>| {
            line_now(product_id)
                .or_else(|| last.cloned())
                .unwrap_or_else(|| first.clone())
        });
        Some(view! { <CartLineRow line state actions drafts version/> })
    };
    view! {
        <HelpCode code=help_code contact/>
        <table class="cart-lines stack" data-testid="cart-lines">
            <thead>
                <tr>
                    <th scope="col">"Product"</th>
                    <th scope="col">"Price"</th>
                    <th scope="col">"Quantity"</th>
                    <th scope="col">"Total"</th>
                    <th scope="col">
                        <span class="visually-hidden">"Remove"</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                <For each=product_ids key=|product_id| *product_id children=row/>
            </tbody>
        </table>
        <dl class="totals">
            <dt>"Subtotal"</dt>
            <dd data-testid="subtotal">{cents(|cart| cart.subtotal_cents)}</dd>
            {move || {
                cart.with(|cart| {
                    cart.iter()
                        .flat_map(|cart| &cart.discounts)
                        .map(|applied| {
                            let label = match &applied.product_name {
                                Some(name) => format!("{} off {} ({})", applied.discount.describe(), name, applied.discount.reason),
                                None => format!("{} off ({})", applied.discount.describe(), applied.discount.reason),
                            };
                            view! {
                                <dt class="discount">{label}</dt>
                                <dd class="discount" data-testid="discount">
                                    {format_cents(-applied.taken_cents)}
                                </dd>
                            }
                        })
                        .collect_view()
                })
            }}
            <dt>"Total"</dt>
            <dd data-testid="total">{cents(|cart| cart.total_cents)}</dd>
        </dl>
        <p class="checkout">
            <a href="/checkout" class="button primary">"Checkout"</a>
        </p>
        <EmailLink/>
    }
}

/// "Email me a link to this cart": to finish on another device, and so a rep can find the
/// cart by the shopper's email or name.
#[component]
fn EmailLink() -> impl IntoView {
    let send = ServerAction::<EmailCartLink>::new();
    let state = use_cart_state();
    Effect::watch(
        move || send.value().get(),
        move |outcome, _, _| match outcome {
            Some(Ok(())) => state.notice.set(Some(Notice::Done(
                "We sent you a link to this cart.".to_string(),
            ))),
            Some(Err(error)) => state.notice.set(Some(Notice::Failed(error.clone()))),
            None => {}
        },
        false,
    );
    view! {
        <details class="email-link">
            <summary>"Email me a link to this cart"</summary>
            <ActionForm action=send>
                <label>"Email " <input type="email" name="email" required autocomplete="email"/></label>
                <label>"Name (optional) " <input name="name" autocomplete="name"/></label>
                <button type="submit">"Send the link"</button>
            </ActionForm>
        </details>
    }
}

/// One line, as it changes.
#[component]
fn CartLineRow(
    line: Memo<CartLine>,
    state: CartState,
    actions: LineActions,
    drafts: QuantityDrafts,
    version: Memo<i64>,
) -> impl IntoView {
    let first = line.get_untracked();
    let product_id = first.product_id;
    let quantity_label = format!("Quantity of {}", first.name);
    let remove_label = format!("Remove {} from cart", first.name);
    let now = move |of: fn(&CartLine) -> i64| move || line.with(of);
    let quantity = Signal::derive(move || line.with(|line| line.quantity));
    let version = move || version.get().to_string();
    let rep_changed = move || {
        state
            .rep_changed
            .with(|changed| changed.contains(&product_id))
    };
    let discount = move || {
        let cents = now(|line| line.discount_cents)();
        (cents > 0).then(|| {
            view! { <small class="line-discount">{format!(" (−{})", format_cents(cents))}</small> }
        })
    };
    view! {
        <tr data-product=first.slug.clone() class:rep-changed=rep_changed>
            <th scope="row">
                <a href=format!("/products/{}", first.slug)>{first.name.clone()}</a>
            </th>
            <td data-label="Price">{move || format_cents(now(|line| line.unit_price_cents)())}</td>
            <td data-label="Quantity">
                <ActionForm action=actions.set attr:class="set-quantity">
                    <input type="hidden" name="product_id" value=product_id.to_string()/>
                    <input type="hidden" name="version" value=version/>
                    <QuantityField drafts product_id quantity label=quantity_label/>
                    <button type="submit">"Update"</button>
                </ActionForm>
            </td>
            <td class="line-total" data-label="Total">
                {move || format_cents(now(|line| line.line_total_cents)())}
                {discount}
            </td>
            <td class="wide">
                <ActionForm action=actions.remove attr:class="remove">
                    <input type="hidden" name="product_id" value=product_id.to_string()/>
                    <input type="hidden" name="version" value=version/>
                    <button type="submit" aria-label=remove_label>"Remove"</button>
                </ActionForm>
            </td>
        </tr>
    }
}
