//! The shopper's own cart. No login: the cart is found through the shopper's session and
//! cart cookie (see `server::shopper`), so a shopper can only ever touch their own cart.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::cart::CartView;
use crate::model::notice::Notice;

/// The store's phone number and opening hours (configuration).
#[server(prefix = "/api", endpoint = "store")]
pub async fn store_contact() -> Result<crate::model::catalog::StoreContact, AppError> {
    let state = crate::server::AppState::current()?;
    Ok(crate::model::catalog::StoreContact {
        phone: state.config.store_phone.clone(),
        hours: state.config.store_hours.clone(),
    })
}

/// The one-time notice kept for this page after a plain form post, if any (see
/// `server::flash`); reading it removes it.
#[server(prefix = "/api", endpoint = "notice")]
pub async fn take_notice() -> Result<Option<Notice>, AppError> {
    Ok(crate::server::flash::take_current().await)
}

/// The shopper's cart, or `None` before anything was added.
#[server(prefix = "/api", endpoint = "cart")]
pub async fn get_cart() -> Result<Option<CartView>, AppError> {
    use crate::server::{db, shopper, AppState};
    let state = AppState::current()?;
    match shopper::current_cart().await? {
        Some(cart_id) => {
            // A page showing this cart is stale once the cart changes (server page cache).
            crate::components::response_status::mark_page_cart(cart_id);
            let mut cart = db::cart::load(&state.db, cart_id).await?;
            cart.rep_viewing = crate::server::presence::viewing_rep(&state, cart_id).await;
            Ok(Some(cart))
        }
        None => Ok(None),
    }
}

/// Adds a product; opens a cart on the first add. `request_id` is drawn once per form
/// shown, so submitting the same form twice adds once.
#[server(prefix = "/api", endpoint = "cart/add")]
pub async fn add_to_cart(
    product_id: i64,
    quantity: String,
    request_id: Uuid,
) -> Result<CartView, AppError> {
    use crate::model::cart::parse_quantity;
    use crate::server::{db, form_post, shopper, AppState};
    let quantity = parse_quantity(&quantity).map_err(AppError::Invalid)?;
    let state = AppState::current()?;
    let cart_id = shopper::current_or_new_cart().await?;
    db::cart::add_item(&state.db, cart_id, product_id, quantity, request_id).await?;
    let cart = db::cart::load(&state.db, cart_id).await?;
    let name = cart
        .lines
        .iter()
        .find(|line| line.product_id == product_id)
        .map_or("it", |line| line.name.as_str());
    form_post::confirm_added(product_id, name).await;
    Ok(cart)
}

/// Changes how many of a product the cart holds.
#[server(prefix = "/api", endpoint = "cart/set")]
pub async fn set_quantity(
    product_id: i64,
    quantity: String,
    version: i64,
) -> Result<CartView, AppError> {
    use crate::model::cart::parse_quantity;
    use crate::server::{db, form_post, shopper, AppState};
    let quantity = parse_quantity(&quantity).map_err(AppError::Invalid)?;
    let state = AppState::current()?;
    let cart_id = shopper::current_cart()
        .await?
        .ok_or_else(|| AppError::NotFound("Your cart is empty.".into()))?;
    db::cart::set_quantity(&state.db, cart_id, product_id, quantity, version).await?;
    form_post::confirm("Quantity updated.").await;
    db::cart::load(&state.db, cart_id).await
}

/// Takes a product out of the cart.
#[server(prefix = "/api", endpoint = "cart/remove")]
pub async fn remove_from_cart(product_id: i64, version: i64) -> Result<CartView, AppError> {
    use crate::server::{db, form_post, shopper, AppState};
    let state = AppState::current()?;
    let cart_id = shopper::current_cart()
        .await?
        .ok_or_else(|| AppError::NotFound("Your cart is empty.".into()))?;
    db::cart::remove_item(&state.db, cart_id, product_id, version).await?;
    form_post::confirm("Removed from your cart.").await;
    db::cart::load(&state.db, cart_id).await
}

/// Hides a link a rep sent, once the shopper has opened or dismissed it.
#[server(prefix = "/api", endpoint = "cart/dismiss-link")]
pub async fn dismiss_link(link_id: i64) -> Result<(), AppError> {
    use crate::server::{db, shopper, AppState};
    let state = AppState::current()?;
    let cart_id = shopper::current_cart()
        .await?
        .ok_or_else(|| AppError::NotFound("Your cart is empty.".into()))?;
    db::cart::dismiss_link(&state.db, cart_id, link_id).await
}
