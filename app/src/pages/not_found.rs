//! The page for addresses that lead nowhere.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::response_status::set_response_status;

/// Answers unknown addresses with a 404 and a way back.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    set_response_status(404);
    view! {
        <Title text="Not found · Tandem Cycles"/>
        <h1>"Page not found"</h1>
        <p>"There is nothing at this address. " <a href="/">"Back to the catalog"</a></p>
    }
}
