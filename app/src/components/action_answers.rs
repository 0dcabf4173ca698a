//! Pairs each answer of an action with what was sent, for forms that share one action
//! (every line's quantity form, every catalog card's add button).
//!
//! An action says what it was sent (its input, set on every dispatch) and how it went (its
//! value, set on every answer), but not which answer goes with which input. They are paired
//! oldest first: a page's changes to one cart mostly come back in turn, and where they do
//! not (two answers landing together, a form that could not be read) the pairing starts
//! afresh once nothing is in flight, so a slip lasts no longer than the burst it came in.

use std::collections::VecDeque;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Calls `answered` with what `sent` took from each input of `action` and with its answer,
/// oldest first.
pub fn for_each_answer<A, K>(
    action: ServerAction<A>,
    sent: impl Fn(&A) -> K + Send + Sync + 'static,
    answered: impl Fn(K, &Result<A::Output, A::Error>) + 'static,
) where
    A: ServerFn + Clone + Send + Sync + 'static,
    A::Output: Clone + Send + Sync + 'static,
    A::Error: Clone + Send + Sync + 'static,
    K: Clone + Send + Sync + 'static,
{
    let in_flight = StoredValue::new(VecDeque::<K>::new());
    Effect::watch(
        move || action.input().with(|input| input.as_ref().map(&sent)),
        move |input, _, _| {
            if let Some(input) = input.clone() {
                in_flight.update_value(|pending| pending.push_back(input));
            }
        },
        false,
    );
    Effect::watch(
        move || action.value().get(),
        move |outcome, _, _| {
            let Some(outcome) = outcome else {
                return;
            };
            let input = in_flight
                .try_update_value(|pending| pending.pop_front())
                .flatten();
            // The action clears its input once nothing is in flight.
            if action.input().with_untracked(Option::is_none) {
                in_flight.update_value(|pending| pending.clear());
            }
            if let Some(input) = input {
                answered(input, outcome);
            }
        },
        false,
    );
}
