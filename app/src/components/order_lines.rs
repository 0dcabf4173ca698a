//! An order's lines, discounts (with who gave them and why) and totals, as the shopper's
//! confirmation and the staff order page show them.

use leptos::prelude::*;

use crate::model::money::format_cents;
use crate::model::order::OrderView;

/// The order's lines and totals.
#[component]
pub fn OrderLines(order: OrderView) -> impl IntoView {
    view! {
        <table class="cart-lines stack" data-testid="order-lines">
            <thead>
                <tr>
                    <th scope="col">"Product"</th>
                    <th scope="col">"Price"</th>
                    <th scope="col">"Quantity"</th>
                    <th scope="col">"Total"</th>
                </tr>
            </thead>
            <tbody>
                {order
                    .lines
                    .into_iter()
                    .map(|line| {
                        view! {
                            <tr>
                                <th scope="row">{line.product_name}</th>
                                <td data-label="Price">{format_cents(line.unit_price_cents)}</td>
                                <td data-label="Quantity">{line.quantity}</td>
                                <td data-label="Total">
                                    {format_cents(line.line_total_cents)}
                                    {(line.discount_cents > 0)
                                        .then(|| format!(" (−{})", format_cents(line.discount_cents)))}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        <dl class="totals">
            <dt>"Subtotal"</dt>
            <dd>{format_cents(order.subtotal_cents)}</dd>
            {order
                .discounts
                .into_iter()
                .map(|discount| {
                    let target = discount
                        .product_name
                        .map(|name| format!(" off {name}"))
                        .unwrap_or_default();
                    view! {
                        <dt class="discount">
                            {format!(
                                "{}{} ({}, given by {})",
                                discount.amount,
                                target,
                                discount.reason,
                                discount.given_by,
                            )}
                        </dt>
                        <dd class="discount">{format_cents(-discount.taken_cents)}</dd>
                    }
                })
                .collect_view()}
            <dt>"Total"</dt>
            <dd data-testid="order-total">{format_cents(order.total_cents)}</dd>
        </dl>
    }
}
