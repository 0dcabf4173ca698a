//! `/checkout`: contact and delivery details, a review of the cart as the server prices it,
//! and "Place order". Works as a plain form post (a refused post comes back with what was
//! typed and what was wrong, kept on the server), with or without JavaScript: nothing on
//! it is an island, so a shopper never downloads its code.

use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use crate::api::checkout::{load_checkout, PlaceOrder};
use crate::components::error_notice::ErrorNotice;
use crate::components::loaded::load;
use crate::model::cart::CartView;
use crate::model::money::format_cents;
use crate::model::order::{CheckoutDetails, CheckoutProblems};

/// The checkout page.
#[component]
pub fn CheckoutPage() -> impl IntoView {
    let place = ServerAction::<PlaceOrder>::new();
    let page = load(move || place.version().get(), |_| load_checkout());
    view! {
        <Title text="Checkout · Tandem Cycles"/>
        <h1>"Checkout"</h1>
        <Suspense fallback=|| view! { <p>"Loading your cart…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => match page.cart.filter(|cart| !cart.lines.is_empty()) {
                        Some(cart) => {
                            view! {
                                <Review cart=cart.clone()/>
                                <DetailsForm place cart draft=page.draft problems=page.problems/>
                            }
                                .into_any()
                        }
                        None => {
                            view! {
                                <p class="empty">
                                    "Your cart is empty. " <a href="/">"Browse the catalog"</a>
                                </p>
                            }
                                .into_any()
                        }
                    },
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What will be ordered, as the server prices it now.
#[component]
fn Review(cart: CartView) -> impl IntoView {
    view! {
        <section class="review" aria-labelledby="review-heading">
            <h2 id="review-heading">"Your order"</h2>
            <ul class="review-lines">
                {cart
                    .lines
                    .into_iter()
                    .map(|line| {
                        view! {
                            <li>
                                {format!("{} × {}", line.quantity, line.name)}
                                <span class="amount">{format_cents(line.line_total_cents)}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <dl class="totals">
                <dt>"Subtotal"</dt>
                <dd>{format_cents(cart.subtotal_cents)}</dd>
                {cart
                    .discounts
                    .iter()
                    .map(|applied| {
                        view! {
                            <dt class="discount">
                                {format!("{} off ({})", applied.discount.describe(), applied.discount.reason)}
                            </dt>
                            <dd class="discount">{format_cents(-applied.taken_cents)}</dd>
                        }
                    })
                    .collect_view()}
                <dt>"Total"</dt>
                <dd data-testid="checkout-total">{format_cents(cart.total_cents)}</dd>
            </dl>
        </section>
    }
}

#[component]
fn DetailsForm(
    place: ServerAction<PlaceOrder>,
    cart: CartView,
    draft: CheckoutDetails,
    problems: CheckoutProblems,
) -> impl IntoView {
    // A new id after each completed attempt: a double click or a re-sent post places one
    // order, a deliberate second attempt counts.
    let request_id = move || {
        place.version().track();
        Uuid::new_v4().to_string()
    };
    view! {
        <section class="checkout-form" aria-labelledby="details-heading">
            <h2 id="details-heading">"Contact and delivery"</h2>
            {move || {
                place
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|error| view! { <ErrorNotice error/> })
            }}
            <ActionForm action=place>
                <input type="hidden" name="version" value=cart.version.to_string()/>
                <input type="hidden" name="request_id" value=request_id/>
                {field(&problems, ("email", "Email", "email", "email"), draft.email)}
                {field(&problems, ("name", "Name", "text", "name"), draft.name)}
                {field(&problems, ("address_line", "Street address", "text", "street-address"), draft.address_line)}
                {field(&problems, ("postal_code", "Postal code", "text", "postal-code"), draft.postal_code)}
                {field(&problems, ("city", "City", "text", "address-level2"), draft.city)}
                {field(&problems, ("country", "Country", "text", "country-name"), draft.country)}
                <p class="payment-note">
                    "No payment is taken now: your order is placed as awaiting payment, and we will
                    contact you about paying."
                </p>
                <button type="submit" class="primary">
                    {format!("Place order ({})", format_cents(cart.total_cents))}
                </button>
            </ActionForm>
        </section>
    }
}

/// One labelled input of the form, with the problem the server found in it, if any.
fn field(
    problems: &CheckoutProblems,
    (name, label, kind, autocomplete): (&'static str, &'static str, &'static str, &'static str),
    value: String,
) -> impl IntoView {
    let problem = problems.for_field(name).map(str::to_string);
    let described = problem.as_ref().map(|_| format!("{name}-problem"));
    let invalid = problem.is_some().then_some("true");
    view! {
        <label class="field">
            {label}
            <input
                type=kind
                name=name
                value=value
                required
                autocomplete=autocomplete
                aria-invalid=invalid
                aria-describedby=described
            />
            {problem
                .map(|message| {
                    view! {
                        <span class="field-problem" id=format!("{name}-problem")>
                            {message}
                        </span>
                    }
                })}
        </label>
    }
}
