//! The storefront's frame: header with the cart badge, the notice area and the rep's help,
//! around the page. It is the island every storefront page hydrates: it holds the cart
//! state, and the islands inside the page (add-to-cart forms, the cart's lines) share it.
//! The page between them is the server's HTML, never downloaded as code.

use leptos::prelude::*;

use super::assist::AssistPanel;
use super::cart_state::{provide_cart_state, CartNotice};
use super::header::SiteHeader;

/// The frame around every storefront page (`children`).
#[island]
pub fn ShopperFrame(children: Children) -> impl IntoView {
    provide_cart_state();
    view! {
        <SiteHeader/>
        <main id="main">
            <CartNotice/>
            <AssistPanel/>
            {children()}
        </main>
    }
}
