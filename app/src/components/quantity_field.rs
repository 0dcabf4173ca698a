//! The quantity field of a cart line, on the shopper's cart page and the rep's view of it,
//! which live updates leave alone while someone is typing into it.
//!
//! Both views follow the cart as it changes anywhere (the shopper, a rep, a presence change).
//! A field that simply showed the cart's quantity would be set back whenever that happens:
//! a half-typed quantity is lost, or mixed with the reset one mid-keystroke ("4" typed over a
//! field reset to "1" becomes "41"). What is typed is kept here, per line, until the change
//! sent from the field is answered; only then does the field follow the cart again.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::action_answers::for_each_answer;

/// What is being typed into the quantity fields of one cart, by product id.
#[derive(Clone, Copy)]
pub struct QuantityDrafts {
    /// Written as keys are pressed without telling anyone: a field that re-read its own
    /// keystrokes would write them back, which for a number field part-way through ("1e")
    /// wipes what the browser is holding.
    typed: StoredValue<HashMap<i64, String>>,
    /// Notified when drafts are dropped, so the fields show the cart's quantity again.
    dropped: Trigger,
    /// The cart the drafts were typed into.
    cart_id: StoredValue<Option<i64>>,
}

impl QuantityDrafts {
    /// Drafts for the fields that send `action`. A line's draft is dropped when the change
    /// sent from it is answered: made (the page shows the cart the answer brings at once) or
    /// refused (the refusal says so, and the reload that follows shows the cart as it is
    /// now). `sent` says which line and quantity an input is for.
    pub fn new<A>(action: ServerAction<A>, sent: fn(&A) -> (i64, String)) -> Self
    where
        A: ServerFn + Clone + Send + Sync + 'static,
        A::Output: Clone + Send + Sync + 'static,
        A::Error: Clone + Send + Sync + 'static,
    {
        let drafts = Self {
            typed: StoredValue::new(HashMap::new()),
            dropped: Trigger::new(),
            cart_id: StoredValue::new(None),
        };
        for_each_answer(action, sent, move |(product_id, quantity), _| {
            // Typed on since sending: that is still being typed.
            let typed_on = drafts.typed.with_value(|typed| {
                typed
                    .get(&product_id)
                    .is_some_and(|draft| draft.trim() != quantity.trim())
            });
            if !typed_on {
                drafts.drop_lines(|id| id == product_id);
            }
        });
        drafts
    }

    /// Keeps what is typed into a line's field.
    fn keep(self, product_id: i64, typed: String) {
        self.typed.update_value(|drafts| {
            drafts.insert(product_id, typed);
        });
    }

    /// What a line's field shows: the draft, or else the cart's quantity.
    fn shown(self, product_id: i64, quantity: i32) -> String {
        self.typed
            .with_value(|drafts| drafts.get(&product_id).cloned())
            .unwrap_or_else(|| quantity.to_string())
    }

    /// Forgets the drafts of lines no longer in cart `cart_id` (removed here or elsewhere),
    /// so a product added again starts from its quantity, and all drafts when another cart
    /// is shown (a rep moving on to the next caller).
    pub fn keep_only_lines(self, cart_id: i64, product_ids: &[i64]) {
        let same_cart = self.cart_id.with_value(|shown| *shown == Some(cart_id));
        self.cart_id.set_value(Some(cart_id));
        self.drop_lines(|id| !same_cart || !product_ids.contains(&id));
    }

    /// Forgets every draft (the page has no cart any more).
    pub fn forget_all(self) {
        self.cart_id.set_value(None);
        self.drop_lines(|_| true);
    }

    fn drop_lines(self, drop: impl Fn(i64) -> bool) {
        let mut dropped = false;
        self.typed.update_value(|drafts| {
            let before = drafts.len();
            drafts.retain(|id, _| !drop(*id));
            dropped = drafts.len() != before;
        });
        if dropped {
            self.dropped.notify();
        }
    }
}

/// A line's quantity field: shows `quantity` until something is typed, then what was typed
/// until the change is answered. Without JavaScript it is a plain field holding `quantity`.
///
/// `redrawn` is for a field inside a view drawn again on every change (the rep's): each
/// drawing sets what the field shows. Otherwise (the shopper's, kept by line) the field
/// follows the cart from when the page's code arrives, except that what a shopper typed
/// before it did is kept as their draft.
#[component]
pub fn QuantityField(
    drafts: QuantityDrafts,
    product_id: i64,
    #[prop(into)] quantity: Signal<i32>,
    label: String,
    #[prop(optional)] redrawn: bool,
) -> impl IntoView {
    // A field drawn anew starts from the draft.
    let first = drafts.shown(product_id, quantity.get_untracked());
    let field = NodeRef::<leptos::html::Input>::new();
    let drawn = first.clone();
    Effect::new(move |ran: Option<()>| {
        drafts.dropped.track();
        let quantity = quantity.get();
        let Some(field) = field.get_untracked() else {
            return;
        };
        let now = field.value();
        if ran.is_none() && !redrawn && now != drawn {
            // Typed before the page's code arrived: a draft like any other.
            drafts.keep(product_id, now);
            return;
        }
        let shown = drafts.shown(product_id, quantity);
        // Only a different value: writing the same one would move the cursor.
        if now != shown {
            field.set_value(&shown);
        }
    });
    view! {
        <input
            type="number"
            name="quantity"
            value=first
            node_ref=field
            // Not refilled by the browser on a reload or back: the cart may have moved on.
            autocomplete="off"
            on:input=move |event| drafts.keep(product_id, event_target_value(&event))
            min="1"
            max="99"
            aria-label=label
        />
    }
}
