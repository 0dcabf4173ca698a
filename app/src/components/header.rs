//! The storefront header: shop name, navigation and the cart badge.

use leptos::prelude::*;

use super::cart_state::use_cart_state;
use crate::model::notice::Notice;

/// The path of the page being shown: the request's on the server, the address bar's in the
/// browser (every storefront page is a page load of its own).
fn current_path() -> String {
    #[cfg(feature = "ssr")]
    let path = use_context::<leptos_router::location::RequestUrl>()
        .and_then(|url| url.parse().ok())
        .map(|url| url.path().to_string());
    #[cfg(any(feature = "hydrate", feature = "csr"))]
    let path = web_sys::window().and_then(|window| window.location().pathname().ok());
    #[cfg(not(any(feature = "ssr", feature = "hydrate", feature = "csr")))]
    let path = None::<String>;
    path.unwrap_or_default()
}

/// Header shown on every storefront page.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let state = use_cart_state();
    let path = current_path();
    let current = |href: &str| (path == href).then_some("page");
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
            <a href="/" class="brand">"Tandem Cycles"</a>
            <nav aria-label="Main">
                <a href="/" aria-current=current("/")>"Catalog"</a>
                <a href="/cart" class="cart-link" aria-current=current("/cart")>
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
                </a>
            </nav>
        </header>
    }
}
