//! Keeps the rep's place when their view of a cart is drawn again: the field that had the
//! focus gets it back.
//!
//! The view is drawn anew whenever the cart changes (the shopper at work, a presence change,
//! the rep's own action). Mostly the new drawing reuses the old one's elements, but not
//! always: when a line above goes, the last row's elements are the ones removed, and the
//! field being typed into may be among them. The drafts in `rep_tools` keep what the rep has
//! typed; this keeps where, so the next key they press lands in the same field rather than
//! nowhere. Only fields one types into, each known by a name no other field in the view has
//! (buttons are not: several share a label, and a wrong one pressed by the next Enter would
//! do harm). Browser-only: the server draws each page once.

use wasm_bindgen::JsCast;

/// The fields that can be found again: text, number and search inputs, lists and text areas.
const FIELDS: &str = "input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=checkbox]):not([type=radio]), select, textarea";

/// A field known by its tag, `name` and `aria-label` together.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct FocusedField(String);

/// The field in `root` (a CSS selector) that has the focus now, if any and if no other
/// field there has its name.
pub(super) fn remember(root: &str) -> Option<FocusedField> {
    let document = web_sys::window()?.document()?;
    let active = document.active_element()?;
    let key = key_of(&active);
    let mut same = fields(&document, root)
        .into_iter()
        .filter(|field| key_of(field) == key);
    let only = same.next()?;
    (only == active && same.next().is_none()).then_some(FocusedField(key))
}

/// Gives the focus back to the field `focused` names, in the drawing now in `root`, unless
/// the focus has meanwhile gone somewhere else on purpose.
pub(super) fn restore(root: &str, focused: &FocusedField) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    // Only when the focus was lost with the old drawing (it is back on the page's body).
    let lost = document
        .active_element()
        .is_none_or(|active| Some(active) == document.body().map(Into::into));
    if !lost {
        return;
    }
    let field = fields(&document, root)
        .into_iter()
        .find(|field| key_of(field) == focused.0)
        .and_then(|field| field.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(field) = field {
        let _ = field.focus();
    }
}

fn key_of(element: &web_sys::Element) -> String {
    let attribute = |name: &str| element.get_attribute(name).unwrap_or_default();
    format!(
        "{}|{}|{}",
        element.tag_name(),
        attribute("name"),
        attribute("aria-label")
    )
}

fn fields(document: &web_sys::Document, root: &str) -> Vec<web_sys::Element> {
    let Ok(list) = document.query_selector_all(&format!("{root} :is({FIELDS})")) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|index| list.item(index))
        .filter_map(|node| node.dyn_into::<web_sys::Element>().ok())
        .collect()
}
