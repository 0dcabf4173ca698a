//! What the shopper sees of a rep's help, on every storefront page: changes arriving live
//! (with a notice saying the rep made them), a dismissible "a rep is viewing your cart"
//! banner, and links the rep sent, as cards the shopper chooses to open.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::cart_state::use_cart_state;
use crate::api::cart::DismissLink;
use crate::model::money::format_cents;

/// The banner and link cards, and (in the browser) the live stream feeding them.
#[component]
pub fn AssistPanel() -> impl IntoView {
    let state = use_cart_state();
    #[cfg(any(feature = "hydrate", feature = "csr"))]
    live::listen(state);
    let banner_dismissed = RwSignal::new(false);
    // Sent from the card's own field rather than through `ActionForm` (whose reading of any
    // form's data would be part of every shopper's download): the page stays as it is,
    // typed fields included, and only the card goes.
    let dismiss = ServerAction::<DismissLink>::new();
    Effect::watch(
        move || dismiss.value().get(),
        move |outcome, _, _| {
            if outcome.is_some() {
                state.revision.update(|r| *r += 1);
            }
        },
        false,
    );
    view! {
        <Transition fallback=|| ()>
            {move || {
                state
                    .cart
                    .get()
                    .and_then(Result::ok)
                    .flatten()
                    .map(|cart| {
                        let banner = cart
                            .rep_viewing
                            .clone()
                            .filter(|_| !banner_dismissed.get())
                            .map(|name| {
                                view! {
                                    <div class="rep-banner" role="status" data-testid="rep-banner">
                                        <span>{
                                            // "Ava Rep, Ben Rep" when two are on the call.
                                            let verb = if name.contains(", ") { "are" } else { "is" };
                                            format!("{name} from our sales team {verb} looking at your cart to help you.")
                                        }</span>
                                        <button class="secondary" on:click=move |_| banner_dismissed.set(true)>
                                            "Dismiss"
                                        </button>
                                    </div>
                                }
                            });
                        let links = cart
                            .links
                            .into_iter()
                            .map(|link| {
                                let link_id = link.link_id;
                                let note = (!link.note.is_empty()).then(|| view! { <p class="note">{link.note.clone()}</p> });
                                let title = link
                                    .preview
                                    .as_ref()
                                    .map_or_else(|| link.path.clone(), |preview| preview.title.clone());
                                let picture = link
                                    .preview
                                    .as_ref()
                                    .and_then(|preview| preview.image_url.clone())
                                    .map(|src| view! { <img src=src alt="" width="96" height="72"/> });
                                let price = link
                                    .preview
                                    .as_ref()
                                    .and_then(|preview| preview.price_cents)
                                    .map(|cents| view! { <p class="price">{format_cents(cents)}</p> });
                                view! {
                                    <li class="pushed-link" data-testid="pushed-link">
                                        {picture}
                                        <p>{format!("{} sent you a link", link.from)}</p>
                                        <p class="link-title">
                                            <a href=link.path.clone() class="open-link">{title.clone()}</a>
                                        </p>
                                        {price}
                                        {note}
                                        <form
                                            method="post"
                                            action=DismissLink::PATH
                                            class="dismiss-link"
                                            on:submit=move |event: leptos::ev::SubmitEvent| {
                                                event.prevent_default();
                                                dismiss.dispatch(DismissLink { link_id });
                                            }
                                        >
                                            <input type="hidden" name="link_id" value=link.link_id.to_string()/>
                                            <button type="submit" class="secondary" aria-label=format!("Dismiss the link to {title}")>"Dismiss"</button>
                                        </form>
                                    </li>
                                }
                            })
                            .collect_view();
                        view! {
                            {banner}
                            <ul class="pushed-links">{links}</ul>
                        }
                    })
            }}
        </Transition>
    }
}

#[cfg(any(feature = "hydrate", feature = "csr"))]
mod live {
    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    use super::super::cart_state::{CartState, Notice};
    use crate::model::live::{is_presence, ShopperEvent};

    /// Reads one event. With `from_slice`, as server functions' answers are read, so that the
    /// JSON reader is compiled once into the wasm (see `components::loaded`).
    fn read_event(data: &str) -> Option<ShopperEvent> {
        serde_json::from_slice(data.as_bytes()).ok()
    }

    /// Opens `/api/cart/live` once the shopper has a cart, and applies what it says.
    /// EventSource reconnects by itself; after it does, the cart is refetched.
    pub(super) fn listen(state: CartState) {
        let source: StoredValue<Option<EventSource>, LocalStorage> = StoredValue::new_local(None);
        Effect::new(move |_| {
            let has_cart = state.cart.get().and_then(Result::ok).flatten().is_some();
            if !has_cart || source.with_value(Option::is_some) {
                return;
            }
            let Ok(events) = EventSource::new("/api/cart/live") else {
                return;
            };
            let on_cart = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let Some(change) = event.data().as_string().and_then(|data| read_event(&data))
                else {
                    state.revision.update(|r| *r += 1);
                    return;
                };
                let op = change.activity.op.as_str();
                let by_rep = op.starts_with("rep_") && !is_presence(op);
                if by_rep {
                    let message = change
                        .message
                        .unwrap_or_else(|| "Your sales rep updated your cart".to_string());
                    state.notice.set(Some(Notice::Done(format!("{message}."))));
                    state
                        .rep_changed
                        .set(change.product_id.into_iter().collect());
                }
                state.revision.update(|r| *r += 1);
            });
            let on_resync = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                state.revision.update(|r| *r += 1);
            });
            let _ =
                events.add_event_listener_with_callback("cart", on_cart.as_ref().unchecked_ref());
            let _ = events
                .add_event_listener_with_callback("resync", on_resync.as_ref().unchecked_ref());
            // The listeners live as long as the page.
            on_cart.forget();
            on_resync.forget();
            source.set_value(Some(events));
        });
        on_cleanup(move || {
            if let Some(Some(events)) = source.try_with_value(|s| s.clone()) {
                events.close();
            }
        });
    }
}
