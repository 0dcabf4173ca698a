//! `/orders/:number`: the confirmation a shopper sees after placing an order (only in the
//! browser that placed it), with the number to read to a rep.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::checkout::my_order;
use crate::components::error_notice::ErrorNotice;
use crate::components::loaded::load;
use crate::components::order_lines::OrderLines;

/// The order confirmation page.
#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let number = move || params.read().get("number").unwrap_or_default();
    let order = load(number, my_order);
    view! {
        <Suspense fallback=|| view! { <p>"Loading your order…"</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(order) => {
                        view! {
                            <Title text=format!("Order {} · Tandem Cycles", order.order_number)/>
                            <h1>"Thank you for your order"</h1>
                            <p class="order-number">
                                "Your order number is "
                                <strong data-testid="order-number">{order.order_number.clone()}</strong>
                                ". Give it to a sales rep if you call us."
                            </p>
                            <p data-testid="order-status">
                                {format!(
                                    "Status: {}. No payment has been taken; we will contact you at {} about paying.",
                                    order.status.label(),
                                    order.email,
                                )}
                            </p>
                            <p>{format!("Delivery to {}, {}", order.contact_name, order.address)}</p>
                            <OrderLines order/>
                            <p><a href="/">"Continue shopping"</a></p>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
