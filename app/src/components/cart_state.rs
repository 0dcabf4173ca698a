//! The shopper's cart as the whole page shares it: one action per cart change, one
//! resource holding the cart, refetched whenever a change succeeds, and one notice area
//! for the outcome. Without JavaScript the same actions work as plain form posts, and their
//! outcome comes back as a one-time notice kept on the server (never from the URL).

use leptos::prelude::*;

use crate::api::cart::{get_cart, take_notice, AddToCart};
use crate::components::action_answers::for_each_answer;
use crate::components::loaded::{load, Loaded};
use crate::error::AppError;
use crate::model::cart::CartView;
pub use crate::model::notice::Notice;

/// Shared by every cart form and view on the page.
#[derive(Clone, Copy)]
pub struct CartState {
    pub add: ServerAction<AddToCart>,
    pub cart: Loaded<Result<Option<CartView>, AppError>>,
    /// The latest outcome to tell the shopper about.
    pub notice: RwSignal<Option<Notice>>,
    /// The notice kept on the server after a plain form post, read once per page load.
    pub kept_notice: Loaded<Option<Notice>>,
    /// Bumped to make the cart refetch (after a change here, or one announced by a rep).
    pub revision: RwSignal<u64>,
    /// Lines a rep just changed (product ids), highlighted on the cart page.
    pub rep_changed: RwSignal<Vec<i64>>,
}

impl CartState {
    /// The notice for this page: the latest outcome, or the one kept from a form post.
    pub fn current_notice(&self) -> Option<Notice> {
        self.notice
            .get()
            .or_else(|| self.kept_notice.get().flatten())
    }
}

/// Creates the cart state and provides it to the page.
pub fn provide_cart_state() {
    let add = ServerAction::<AddToCart>::new();
    let revision = RwSignal::new(0u64);
    let cart = load(move || revision.get(), |_| get_cart());

    let notice = RwSignal::new(None);
    let kept_notice = load(|| (), |_| async { take_notice().await.ok().flatten() });
    let rep_changed = RwSignal::new(Vec::new());

    // An add is answered beside its button (the notice names the product). Each answer is
    // paired with its own product: a quick tap on A then B gets two answers, A's first.
    for_each_answer(
        add,
        |input: &AddToCart| input.product_id,
        move |product_id, outcome| match outcome {
            Ok(added) => {
                let name = added
                    .lines
                    .iter()
                    .find(|line| line.product_id == product_id)
                    .map_or_else(|| "it".to_string(), |line| line.name.clone());
                notice.set(Some(Notice::Added { product_id, name }));
                show_answer(cart, revision, added);
            }
            Err(error) => {
                notice.set(Some(Notice::NotAdded {
                    product_id,
                    error: error.clone(),
                }));
                revision.update(|r| *r += 1);
            }
        },
    );
    provide_context(CartState {
        add,
        cart,
        notice,
        kept_notice,
        revision,
        rep_changed,
    });
}

impl CartState {
    /// Says how `action` (a change to the cart made elsewhere on the page, such as the cart
    /// page's quantity forms) went, with `done` on success, shows the cart it answered with
    /// and refetches the cart.
    pub fn watch_outcome<A: CartChange>(
        &self,
        action: ServerAction<A>,
        done: impl Fn(&CartView) -> String + 'static,
    ) {
        watch_outcome(action, self.cart, self.revision, self.notice, done);
    }
}

/// A server function that changes the cart and answers with it.
pub trait CartChange:
    leptos::server_fn::ServerFn<Output = CartView, Error = AppError> + Clone + Send + Sync + 'static
{
}

impl<A> CartChange for A where
    A: leptos::server_fn::ServerFn<Output = CartView, Error = AppError>
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// Shows the cart a change answered with at once (the badge and the lines change without
/// another round trip, and a field the change was sent from never shows the cart from before
/// it), keeping who is helping, which only the page's own load asks for; then loads it again
/// behind it. An answer older than the cart shown (two adds answered out of turn, or a slow
/// answer after a reload that brought a rep's later change) is not shown.
fn show_answer(
    cart: Loaded<Result<Option<CartView>, AppError>>,
    revision: RwSignal<u64>,
    answered: &CartView,
) {
    let shown = cart.get_untracked().and_then(Result::ok).flatten();
    let same_cart = shown
        .as_ref()
        .filter(|shown| shown.cart_id == answered.cart_id);
    if same_cart.is_none_or(|shown| shown.version <= answered.version) {
        let mut now = answered.clone();
        now.rep_viewing = same_cart.and_then(|shown| shown.rep_viewing.clone());
        cart.set(Some(Ok(Some(now))));
    }
    revision.update(|r| *r += 1);
}

fn watch_outcome<A: CartChange>(
    action: ServerAction<A>,
    cart: Loaded<Result<Option<CartView>, AppError>>,
    revision: RwSignal<u64>,
    notice: RwSignal<Option<Notice>>,
    done: impl Fn(&CartView) -> String + 'static,
) {
    Effect::watch(
        move || action.value().get(),
        move |outcome, _, _| match outcome {
            Some(Ok(answered)) => {
                notice.set(Some(Notice::Done(done(answered))));
                show_answer(cart, revision, answered);
            }
            Some(Err(error)) => {
                notice.set(Some(Notice::Failed(error.clone())));
                // The cart may have changed elsewhere (stock, a rep): show what it is now.
                revision.update(|r| *r += 1);
            }
            None => {}
        },
        false,
    );
}

/// The cart state provided by [`provide_cart_state`].
pub fn use_cart_state() -> CartState {
    expect_context::<CartState>()
}

/// The notice area at the top of every page, for outcomes not said beside a button.
#[component]
pub fn CartNotice() -> impl IntoView {
    let state = use_cart_state();
    view! {
        <div class="notice-area" aria-live="polite">
            <Suspense>
                {move || {
                    state
                        .current_notice()
                        .and_then(|notice| match notice {
                        Notice::Done(message) => Some(
                            view! { <p class="notice notice-done" role="status">{message}</p> }
                                .into_any(),
                        ),
                        Notice::Failed(error) => Some(
                            view! {
                                <p class="notice notice-error" role="alert">
                                    {error.to_string()}
                                </p>
                            }
                                .into_any(),
                        ),
                        Notice::Added { .. } | Notice::NotAdded { .. } => None,
                    })
                }}
            </Suspense>
        </div>
    }
}
