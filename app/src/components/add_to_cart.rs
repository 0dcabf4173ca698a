//! The add-to-cart form: a plain HTML form that the cart action takes over once hydrated.
//! It is an island of its own inside the storefront frame, whose cart state it shares.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use uuid::Uuid;

use super::cart_state::use_cart_state;
use crate::api::cart::AddToCart;
use crate::model::notice::Notice;

/// The random part of the add forms' idempotency keys, drawn once per server render.
#[derive(Clone, Copy, Debug)]
pub struct FormSeed(pub u64);

impl FormSeed {
    /// This render's seed, for [`AddToCartForm`]'s `seed` (none outside a server render).
    pub fn of_this_render() -> Option<u64> {
        use_context::<FormSeed>().map(|FormSeed(seed)| seed)
    }
}

/// Adds `product_id` to the cart. With `with_quantity`, the shopper picks how many.
/// `seed` is [`FormSeed::of_this_render`], passed in so the browser writes the same ids.
#[island]
pub fn AddToCartForm(
    product_id: i64,
    product_name: String,
    in_stock: bool,
    with_quantity: bool,
    seed: Option<u64>,
) -> impl IntoView {
    let state = use_cart_state();
    let add = state.add;
    // The answer to this product's add, beside its button (announced politely).
    let answer = move || match state.current_notice() {
        Some(Notice::Added {
            product_id: id,
            name,
        }) if id == product_id => Some(
            view! { <span class="add-result">{format!("Added {name} to your cart.")}</span> }
                .into_any(),
        ),
        Some(Notice::NotAdded {
            product_id: id,
            error,
        }) if id == product_id => {
            Some(view! { <span class="add-result failed">{error.to_string()}</span> }.into_any())
        }
        _ => None,
    };
    // A new id after each completed add: resubmitting the same form is recognised and
    // applied once, while the next deliberate add counts again. The server's render draws
    // no random value per form (a page without a session is kept and served to everyone):
    // its ids are the render's seed and the product, so that adding one product, going
    // back and adding another are two adds.
    let request_id = Memo::new(move |_| {
        let completed_adds = add.version().get();
        match seed {
            Some(seed) if completed_adds == 0 => Uuid::from_u64_pair(seed, product_id as u64),
            _ => Uuid::new_v4(),
        }
    });
    // The form's fields are known here, so the add is sent from them directly rather than
    // through `ActionForm`, whose reading of any form's data (serde_qs) would otherwise be
    // part of every shopper's download for this one form.
    let quantity = NodeRef::<leptos::html::Input>::new();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        add.dispatch(AddToCart {
            product_id,
            quantity: quantity
                .get_untracked()
                .map_or_else(|| "1".to_string(), |input| input.value()),
            request_id: request_id.get_untracked(),
        });
    };
    // The button reads "Add to cart" and is named "Add Aero Road Helmet to cart": the product's
    // name is there for screen readers only, so the visible words stay part of the name.
    let label = if in_stock {
        view! { "Add" <span class="visually-hidden">{format!(" {product_name}")}</span> " to cart" }
            .into_any()
    } else {
        view! {
            <span class="visually-hidden">{format!("Add {product_name} to cart: ")}</span>
            "Out of stock"
        }
        .into_any()
    };
    view! {
        <form
            method="post"
            action=AddToCart::PATH
            class="add-to-cart"
            id=format!("add-{product_id}")
            on:submit=submit
        >
            <input type="hidden" name="product_id" value=product_id.to_string()/>
            <input type="hidden" name="request_id" value=move || request_id.get().to_string()/>
            {if with_quantity {
                view! {
                    <label class="quantity">
                        "Quantity "
                        <input
                            type="number"
                            name="quantity"
                            value="1"
                            min="1"
                            max="99"
                            required
                            node_ref=quantity
                        />
                    </label>
                }
                    .into_any()
            } else {
                view! { <input type="hidden" name="quantity" value="1"/> }.into_any()
            }}
            <button type="submit" disabled=!in_stock>
                {label}
            </button>
            <span role="status" aria-live="polite" data-testid="add-result">
                // No Suspense of its own: every form sits inside its page's Suspense (the
                // catalog's, the product's), and one per card cost a third of the catalog's
                // throughput.
                {answer}
            </span>
        </form>
    }
}
