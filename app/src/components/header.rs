//! The storefront header: shop name, navigation and the cart badge.

use leptos::prelude::*;
use leptos_router::components::A;

use super::cart_state::use_cart_state;
use crate::model::notice::Notice;

/// Header shown on every storefront page.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let state = use_cart_state();
    let count = move || {
        state
            .cart
            .get()
            .and_then(Result::ok)
            .flatten()
            .map(|cart| cart.item_count())
            .unwrap_or(0)
    };
    view! {
        <header class="site-header">
            <A href="/" attr:class="brand">"Tandem Cycles"</A>
            <nav aria-label="Main">
                <A href="/">"Catalog"</A>
                <A href="/cart" attr:class="cart-link">
                    "Cart "
                    <Transition fallback=|| view! { <span class="badge">"0"</span> }>
                        <span class="badge" data-testid="cart-count">{count}</span>
                        {move || match state.current_notice() {
                            Some(Notice::Added { name, .. }) => Some(view! {
                                <span class="badge-note" data-testid="badge-note">{format!("Added {name}")}</span>
                            }),
                            _ => None,
                        }}
                    </Transition>
                </A>
            </nav>
        </header>
    }
}
