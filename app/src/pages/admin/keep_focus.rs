//! Keeps the rep's place when their view of a cart is drawn again: the field (or button)
//! that had the focus, and the cursor within it.
//!
//! The view is drawn anew whenever the cart changes (the shopper at work, a presence change,
//! the rep's own action). The drafts in `rep_tools` keep what the rep has typed; this keeps
//! where they were, so the next key they press lands in the same field rather than nowhere.
//! Browser-only: the server draws each page once.

use wasm_bindgen::JsCast;

/// A control found again in the new drawing by what names it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct FocusedControl {
    /// Tag, `name`, `aria-label` and `href` together.
    key: String,
    /// Which of the controls with that key (in page order).
    nth: usize,
    /// The cursor or selection in a text field, where the browser tells it.
    selection: Option<(u32, u32)>,
}

/// The controls that can hold the focus in a cart's view.
const CONTROLS: &str = "input, select, textarea, button, a[href]";

/// The control in `root` (a CSS selector) that has the focus now, if any.
pub(super) fn remember(root: &str) -> Option<FocusedControl> {
    let document = web_sys::window()?.document()?;
    let active = document.active_element()?;
    active.closest(root).ok()??;
    let key = key_of(&active);
    let nth = controls(&document, root)
        .iter()
        .filter(|control| key_of(control) == key)
        .position(|control| *control == active)?;
    let selection = active
        .dyn_ref::<web_sys::HtmlInputElement>()
        .and_then(|input| Some((input.selection_start().ok()??, input.selection_end().ok()??)));
    Some(FocusedControl {
        key,
        nth,
        selection,
    })
}

/// Gives the focus back to the control `focused` names, in the drawing now in `root`,
/// unless the focus has meanwhile gone somewhere else on purpose.
pub(super) fn restore(root: &str, focused: &FocusedControl) {
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
    let Some(control) = controls(&document, root)
        .into_iter()
        .filter(|control| key_of(control) == focused.key)
        .nth(focused.nth)
    else {
        return;
    };
    let Ok(control) = control.dyn_into::<web_sys::HtmlElement>() else {
        return;
    };
    let _ = control.focus();
    if let (Some((start, end)), Some(input)) = (
        focused.selection,
        control.dyn_ref::<web_sys::HtmlInputElement>(),
    ) {
        let _ = input.set_selection_range(start, end);
    }
}

fn key_of(element: &web_sys::Element) -> String {
    let attribute = |name: &str| element.get_attribute(name).unwrap_or_default();
    format!(
        "{}|{}|{}|{}",
        element.tag_name(),
        attribute("name"),
        attribute("aria-label"),
        attribute("href")
    )
}

fn controls(document: &web_sys::Document, root: &str) -> Vec<web_sys::Element> {
    let Ok(list) = document.query_selector_all(&format!("{root} :is({CONTROLS})")) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|index| list.item(index))
        .filter_map(|node| node.dyn_into::<web_sys::Element>().ok())
        .collect()
}
