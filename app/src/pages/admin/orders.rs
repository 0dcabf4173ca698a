//! `/admin/orders` (newest first, a page at a time, narrowed by status and customer) and
//! `/admin/orders/:number` (one order: lines, discounts with who gave them and why, the
//! customer, and cancelling it).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::carts::{encode, NextPage};
use crate::api::orders::{get_order, list_orders, CancelOrder};
use crate::components::error_notice::ErrorNotice;
use crate::components::loaded::load;
use crate::components::order_lines::OrderLines;
use crate::model::money::format_cents;
use crate::model::order::{OrderStatus, OrderSummary, OrderView};

/// The orders list.
#[component]
pub fn OrdersPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &'static str| move || query.read().get(name).unwrap_or_default();
    let (status, customer, after) = (param("status"), param("customer"), param("after"));
    let orders = load(
        move || (status(), customer(), after()),
        |(status, customer, after)| list_orders(Some(status), Some(customer), Some(after)),
    );
    view! {
        <Title text="Orders · Tandem"/>
        <h1>"Orders"</h1>
        <div class="toolbar">
            <Form method="GET" action="/admin/orders">
                <label>
                    "Status "
                    <select name="status">
                        <option value="" selected=move || status().is_empty()>"Any"</option>
                        {OrderStatus::ALL
                            .map(|option| {
                                view! {
                                    <option
                                        value=option.as_str()
                                        selected=move || status() == option.as_str()
                                    >
                                        {option.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    "Customer "
                    <input name="customer" value=customer placeholder="Email or name" autocomplete="off"/>
                </label>
                <button type="submit">"Show"</button>
            </Form>
        </div>
        <Suspense fallback=|| view! { <p>"Loading orders…"</p> }>
            {move || Suspend::new(async move {
                match orders.await {
                    Ok(page) => {
                        let next = page
                            .next
                            .map(|next| {
                                format!(
                                    "/admin/orders?status={}&customer={}&after={}",
                                    encode(&status()),
                                    encode(&customer()),
                                    encode(&next),
                                )
                            });
                        view! {
                            <OrderTable orders=page.items/>
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

/// Orders as rows, newest first.
#[component]
pub fn OrderTable(orders: Vec<OrderSummary>) -> impl IntoView {
    if orders.is_empty() {
        return view! { <p class="empty">"No orders match."</p> }.into_any();
    }
    view! {
        <table class="orders stack" data-testid="order-table">
            <thead>
                <tr>
                    <th scope="col">"Order"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Customer"</th>
                    <th scope="col">"Items"</th>
                    <th scope="col">"Total"</th>
                    <th scope="col">"Placed"</th>
                </tr>
            </thead>
            <tbody>
                {orders
                    .into_iter()
                    .map(|order| {
                        view! {
                            <tr>
                                <th scope="row">
                                    <a href=format!("/admin/orders/{}", order.order_number)>
                                        <code>{order.order_number.clone()}</code>
                                    </a>
                                </th>
                                <td data-label="Status">{order.status.label()}</td>
                                <td data-label="Customer">{order.customer}</td>
                                <td data-label="Items">{order.item_count}</td>
                                <td data-label="Total">{format_cents(order.total_cents)}</td>
                                <td data-label="Placed"><time datetime=order.created_at.clone()>{order.created_at.replace('T', " ")}</time></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// One order.
#[component]
pub fn AdminOrderPage() -> impl IntoView {
    let params = use_params_map();
    let number = move || params.read().get("number").unwrap_or_default();
    let cancel = ServerAction::<CancelOrder>::new();
    let order = load(
        move || (number(), cancel.version().get()),
        |(number, _)| get_order(number),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading the order…"</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(order) => view! { <OrderDetail order cancel/> }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OrderDetail(order: OrderView, cancel: ServerAction<CancelOrder>) -> impl IntoView {
    let cancellable = order.status == OrderStatus::AwaitingPayment;
    let number = order.order_number.clone();
    view! {
        <Title text=format!("Order {} · Tandem", order.order_number)/>
        <h1>"Order " <code data-testid="order-number">{order.order_number.clone()}</code></h1>
        <dl class="cart-meta">
            <dt>"Status"</dt>
            <dd data-testid="order-status">{order.status.label()}</dd>
            <dt>"Customer"</dt>
            <dd>{format!("{} <{}>", order.contact_name, order.email)}</dd>
            <dt>"Deliver to"</dt>
            <dd>{order.address.clone()}</dd>
            <dt>"Placed"</dt>
            <dd><time datetime=order.created_at.clone()>{order.created_at.replace('T', " ")}</time></dd>
            <dt>"From cart"</dt>
            <dd><a href=format!("/admin/carts/{}", order.cart_id)>"the cart"</a></dd>
            {order.cancel_reason.clone().map(|reason| view! { <dt>"Cancelled"</dt><dd>{reason}</dd> })}
        </dl>
        <OrderLines order=order.clone()/>
        {cancellable
            .then(|| {
                view! {
                    <section class="tool">
                        <h2>"Cancel this order"</h2>
                        <p>"The stock goes back; the shopper's payment, if any, is not touched."</p>
                        {move || {
                            cancel
                                .value()
                                .get()
                                .and_then(Result::err)
                                .map(|error| view! { <ErrorNotice error/> })
                        }}
                        <ActionForm action=cancel>
                            <input type="hidden" name="number" value=number.clone()/>
                            <label>
                                "Reason " <input name="reason" required minlength="3" maxlength="500"/>
                            </label>
                            <button type="submit" class="danger">"Cancel order"</button>
                        </ActionForm>
                    </section>
                }
            })}
    }
}
