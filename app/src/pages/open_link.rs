//! `/cart/open?token=…`: where the emailed link to a cart leads. The link is used only when
//! the shopper presses the button (a POST), so a mail scanner that follows links does not
//! use it up. Nothing on the page is an island.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::checkout::OpenCartLink;
use crate::components::error_notice::ErrorNotice;

/// The page the emailed link opens.
#[component]
pub fn OpenLinkPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    // A plain form post, with or without JavaScript: the server opens the cart and sends
    // the browser to it, with the outcome kept for that page.
    let open = ServerAction::<OpenCartLink>::new();
    view! {
        <Title text="Your cart · Tandem Cycles"/>
        <h1>"Open your cart"</h1>
        <p>"This link opens the cart you asked us to email you, in this browser. It works once."</p>
        {move || {
            open.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error/> })
        }}
        <ActionForm action=open>
            <input type="hidden" name="token" value=token/>
            <button type="submit" class="primary">"Open my cart"</button>
        </ActionForm>
    }
}
