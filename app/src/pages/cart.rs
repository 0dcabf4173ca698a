//! The cart page: lines with quantities to change, totals, and the help code to read to a rep.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::cart::{store_contact, RemoveFromCart, SetQuantity};
use crate::api::checkout::EmailCartLink;
use crate::components::cart_state::{use_cart_state, CartState, Notice};
use crate::components::error_notice::ErrorNotice;
use crate::components::loaded::load;
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

/// The cart as it is now: an island, redrawn after each change here or by a rep. It
/// hydrates `first` (what the server rendered), then follows the page's cart. Its code is
/// fetched when the cart is opened, not with the catalog. (The staff console's wasm is not
/// split, and does not hydrate storefront pages: there it is a plain component.)
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
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| {
        hydrated.set(true);
        #[cfg(feature = "hydrate")]
        crate::components::ready::mark_ready();
    });
    // While a refetch is under way the cart keeps its last value.
    let cart = move || {
        hydrated
            .get()
            .then(|| state.cart.get())
            .flatten()
            .unwrap_or_else(|| first.clone())
    };
    move || {
        let contact = contact.clone();
        match cart() {
            Ok(Some(cart)) if !cart.lines.is_empty() => {
                view! { <CartContents cart state actions contact/> }.into_any()
            }
            Ok(Some(cart)) => view! {
                <HelpCode code=cart.help_code contact/>
                <EmptyCart/>
            }
            .into_any(),
            Ok(None) => view! { <EmptyCart/> }.into_any(),
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
        }
    }
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

#[component]
fn CartContents(
    cart: CartView,
    state: CartState,
    actions: LineActions,
    contact: Option<StoreContact>,
) -> impl IntoView {
    view! {
        <HelpCode code=cart.help_code.clone() contact/>
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
                {cart
                    .lines
                    .into_iter()
                    .map(|line| view! { <CartLineRow line state actions version=cart.version/> })
                    .collect_view()}
            </tbody>
        </table>
        <dl class="totals">
            <dt>"Subtotal"</dt>
            <dd data-testid="subtotal">{format_cents(cart.subtotal_cents)}</dd>
            {cart
                .discounts
                .iter()
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
                .collect_view()}
            <dt>"Total"</dt>
            <dd data-testid="total">{format_cents(cart.total_cents)}</dd>
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

#[component]
fn CartLineRow(
    line: CartLine,
    state: CartState,
    actions: LineActions,
    version: i64,
) -> impl IntoView {
    let set_product_id = line.product_id.to_string();
    let remove_product_id = line.product_id.to_string();
    let quantity_label = format!("Quantity of {}", line.name);
    let remove_label = format!("Remove {} from cart", line.name);
    let product_id = line.product_id;
    let rep_changed = move || {
        state
            .rep_changed
            .with(|changed| changed.contains(&product_id))
    };
    view! {
        <tr data-product=line.slug.clone() class:rep-changed=rep_changed>
            <th scope="row">
                <a href=format!("/products/{}", line.slug)>{line.name.clone()}</a>
            </th>
            <td data-label="Price">{format_cents(line.unit_price_cents)}</td>
            <td data-label="Quantity">
                <ActionForm action=actions.set attr:class="set-quantity">
                    <input type="hidden" name="product_id" value=set_product_id/>
                    <input type="hidden" name="version" value=version.to_string()/>
                    <input
                        type="number"
                        name="quantity"
                        value=line.quantity.to_string()
                        min="1"
                        max="99"
                        aria-label=quantity_label
                    />
                    <button type="submit">"Update"</button>
                </ActionForm>
            </td>
            <td class="line-total" data-label="Total">
                {format_cents(line.line_total_cents)}
                {(line.discount_cents > 0)
                    .then(|| {
                        view! {
                            <small class="line-discount">
                                {format!(" (−{})", format_cents(line.discount_cents))}
                            </small>
                        }
                    })}
            </td>
            <td class="wide">
                <ActionForm action=actions.remove attr:class="remove">
                    <input type="hidden" name="product_id" value=remove_product_id/>
                    <input type="hidden" name="version" value=version.to_string()/>
                    <button type="submit" aria-label=remove_label>"Remove"</button>
                </ActionForm>
            </td>
        </tr>
    }
}
