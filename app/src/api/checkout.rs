//! Checkout and what follows it, for shoppers: the checkout page's data, placing the order,
//! the confirmation, and the emailed link that reopens a cart in another browser. As
//! everywhere on the storefront, the cart is the one the request's session or cart cookie
//! names, never one chosen by the form.

// A server function takes one argument per form field, and these forms have many fields;
// the lint also fires on the client half the `#[server]` macro generates.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::order::{CheckoutPage, OrderView};

#[cfg(feature = "ssr")]
mod support {
    use tower_sessions::Session;

    use crate::model::order::{CheckoutDetails, CheckoutProblems};

    /// Session key of what the shopper last typed into the checkout form.
    const DRAFT_KEY: &str = "checkout_draft";

    pub(super) fn session() -> Option<Session> {
        leptos::prelude::use_context::<http::request::Parts>()?
            .extensions
            .get::<crate::server::shopper::ShopperSession>()
            .map(|session| session.0.clone())
    }

    pub(super) async fn draft() -> (CheckoutDetails, CheckoutProblems) {
        let Some(session) = session() else {
            return Default::default();
        };
        session
            .get::<(CheckoutDetails, CheckoutProblems)>(DRAFT_KEY)
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    pub(super) async fn keep_draft(details: &CheckoutDetails, problems: &CheckoutProblems) {
        if let Some(session) = session() {
            if let Err(error) = session.insert(DRAFT_KEY, (details, problems)).await {
                tracing::warn!(%error, "could not keep the checkout form");
            }
        }
    }

    pub(super) async fn forget_draft() {
        if let Some(session) = session() {
            let _ = session
                .remove::<(CheckoutDetails, CheckoutProblems)>(DRAFT_KEY)
                .await;
        }
    }
}

/// The cart as the server prices it now, and the checkout form as last filled.
#[server(prefix = "/api", endpoint = "checkout")]
pub async fn load_checkout() -> Result<CheckoutPage, AppError> {
    use crate::server::{db, shopper, AppState};
    let state = AppState::current()?;
    let cart = match shopper::current_cart().await? {
        Some(cart_id) => Some(db::cart::load(&state.db, cart_id).await?),
        None => None,
    };
    let (draft, problems) = support::draft().await;
    Ok(CheckoutPage {
        cart,
        draft,
        problems,
    })
}

/// Places the order for the shopper's cart as it was at `version`; returns the order number
/// (`4K7M-2QXA`). A plain form post is redirected to the confirmation page.
#[server(prefix = "/api", endpoint = "checkout/place")]
pub async fn place_order(
    email: String,
    name: String,
    address_line: String,
    postal_code: String,
    city: String,
    country: String,
    version: i64,
    request_id: Uuid,
) -> Result<String, AppError> {
    use crate::model::order::{display_order_number, CheckoutDetails, CheckoutProblems};
    use crate::server::{db, form_post, shopper, AppState};
    let typed = CheckoutDetails {
        email,
        name,
        address_line,
        postal_code,
        city,
        country,
    };
    let details = match typed.validated() {
        Ok(details) => details,
        Err(problems) => {
            support::keep_draft(&typed, &problems).await;
            return Err(AppError::Invalid(problems.summary()));
        }
    };
    let state = AppState::current()?;
    let answer = |placed: db::order::Placed| async move {
        support::forget_draft().await;
        let number = display_order_number(&placed.order_number);
        form_post::redirect_to(&format!("/orders/{number}"));
        number
    };
    let Some(cart_id) = shopper::current_cart().await? else {
        // No open cart: this request may have placed its order already (its answer lost, a
        // second click once the first was done, or together with it).
        let hashes = shopper::token_hashes().await?;
        if let Some(placed) = db::order::placed_by(&state.db, request_id, &hashes).await? {
            return Ok(answer(placed).await);
        }
        return Err(AppError::Invalid(
            "Your cart is empty: add something before checking out.".into(),
        ));
    };
    match db::order::place(&state.db, cart_id, &details, version, request_id).await {
        Ok(placed) => Ok(answer(placed).await),
        Err(error) => {
            support::keep_draft(&details, &CheckoutProblems::default()).await;
            Err(error)
        }
    }
}

/// One of the shopper's own orders (placed from a cart this browser holds).
#[server(prefix = "/api", endpoint = "order")]
pub async fn my_order(number: String) -> Result<OrderView, AppError> {
    use crate::model::order::parse_order_number;
    use crate::server::{db, shopper, AppState};
    let not_found = || AppError::NotFound("We could not find that order in this browser.".into());
    let number = parse_order_number(&number).ok_or_else(not_found)?;
    let state = AppState::current()?;
    let hashes = shopper::token_hashes().await?;
    db::order::own(&state.db, &number, &hashes)
        .await?
        .ok_or_else(not_found)
}

/// Emails the shopper a link that reopens this cart in another browser, and records the
/// email (unverified: anyone can type any email) so a rep can find the cart by it.
#[server(prefix = "/api", endpoint = "cart/email-link")]
pub async fn email_cart_link(email: String, name: String) -> Result<(), AppError> {
    use rand::RngCore;

    use crate::model::order::looks_like_email;
    use crate::model::text::single_line;
    use crate::server::{db, form_post, shopper, AppState};
    let email = single_line("Your email", &email, 254).map_err(AppError::Invalid)?;
    if !looks_like_email(&email) {
        return Err(AppError::Invalid(
            "That email address does not look right: it should be like name@example.com.".into(),
        ));
    }
    let name = single_line("Your name", &name, 200).map_err(AppError::Invalid)?;
    let name = if name.is_empty() {
        email.split('@').next().unwrap_or("Shopper").to_string()
    } else {
        name
    };
    let state = AppState::current()?;
    let Some(cart_id) = shopper::current_cart().await? else {
        return Err(AppError::Invalid(
            "Your cart is empty: there is nothing to send yet.".into(),
        ));
    };
    let recent: i64 = sqlx::query_scalar(
        "select count(*) from cart_link where cart_id = $1 and created_at > now() - interval '1 hour'",
    )
    .bind(cart_id)
    .fetch_one(&state.db)
    .await?;
    if recent >= 5 {
        return Err(AppError::RateLimited);
    }
    let mut token = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut token);
    let hex: String = token.iter().map(|b| format!("{b:02x}")).collect();
    let origin = state
        .config
        .public_origin
        .clone()
        .or_else(|| {
            leptos::prelude::use_context::<http::request::Parts>()
                .and_then(|parts| parts.headers.get(http::header::HOST).cloned())
                .and_then(|host| host.to_str().ok().map(|host| format!("http://{host}")))
        })
        .unwrap_or_default();
    let mut tx = state.db.begin().await?;
    let customer_id = db::customer::record(&mut tx, &email, &name, "cart_link").await?;
    sqlx::query("update cart set customer_id = coalesce(customer_id, $2) where cart_id = $1")
        .bind(cart_id)
        .bind(customer_id)
        .execute(&mut *tx)
        .await?;
    db::cart_link::create(&mut tx, &token, cart_id, customer_id).await?;
    db::outbox::queue(
        &mut tx,
        &email,
        "Your Tandem Cycles cart",
        &format!(
            "Hello {name},\n\nopen your cart on any device with this link (it works once, for {} days):\n{origin}/cart/open?token={hex}\n",
            db::cart_link::VALID_DAYS
        ),
    )
    .await?;
    tx.commit().await?;
    form_post::confirm(&format!("We sent a link to your cart to {email}.")).await;
    Ok(())
}

/// Opens the cart an emailed link names in this browser (the link works once). Returns a
/// sentence for the shopper; a plain form post is redirected to the cart.
#[server(prefix = "/api", endpoint = "cart/open-link")]
pub async fn open_cart_link(token: String) -> Result<String, AppError> {
    use crate::server::{db, form_post, shopper, AppState};
    let invalid = || {
        AppError::NotFound("That link is not complete: copy the whole link from the email.".into())
    };
    if token.len() != 64 {
        return Err(invalid());
    }
    let mut bytes = [0u8; 32];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = token
            .get(i * 2..i * 2 + 2)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .ok_or_else(invalid)?;
    }
    let state = AppState::current()?;
    let cart_id = db::cart_link::use_once(&state.db, &bytes).await?;
    let previous = shopper::bind_to(cart_id).await?;
    let message = match previous {
        Some(code) => format!(
            "Here is the cart from your email. Your other cart is kept: give its code {code} to a sales rep to find it."
        ),
        None => "Here is the cart from your email.".to_string(),
    };
    form_post::confirm_to("/cart", &message).await;
    Ok(message)
}
