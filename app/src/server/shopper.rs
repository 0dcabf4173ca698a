//! Ties a browser to its cart.
//!
//! The shopper's tower-sessions session (in Redis) holds the cart's token. The same token is
//! also kept in a long-lived cookie of its own, so a cart survives a lost or expired session;
//! the database stores only the token's SHA-256, so a database leak does not hand out carts.

use http::header::{COOKIE, SET_COOKIE, USER_AGENT};
use http::request::Parts;
use http::HeaderValue;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tower_sessions::Session;

use super::db;
use super::AppState;
use crate::error::AppError;

/// Cookie holding the durable cart token.
pub const CART_COOKIE: &str = "tandem_cart";
/// Session key holding the same token.
const SESSION_CART_TOKEN: &str = "cart_token";
/// The cart cookie outlives any session.
const CART_COOKIE_MAX_AGE_SECS: u32 = 60 * 60 * 24 * 30;

/// The shopper's session, under its own type so it is never confused with a staff session.
#[derive(Clone, Debug)]
pub struct ShopperSession(pub Session);

/// A cart token: 32 random bytes, written as 64 lowercase hex digits.
#[derive(Clone, PartialEq, Eq)]
pub struct CartToken([u8; 32]);

impl CartToken {
    fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Reads a token; anything but exactly 64 hex digits is not one.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok()?;
        }
        Some(Self(bytes))
    }

    fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.0).into()
    }

    fn to_hex(&self) -> String {
        self.0.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

/// The current request's cart, if the browser has one.
pub async fn current_cart() -> Result<Option<i64>, AppError> {
    let binding = Binding::from_request()?;
    let state = AppState::current()?;
    for token in binding.candidate_tokens().await {
        if let Some(cart_id) = db::cart::find_active_by_token(&state.db, &token.hash()).await? {
            binding.remember(&token, &state).await;
            return Ok(Some(cart_id));
        }
    }
    Ok(None)
}

/// The cart of a request handled outside Leptos (the shopper's live stream); read-only.
pub async fn cart_of(parts: &Parts, state: &AppState) -> Result<Option<i64>, AppError> {
    let binding = Binding::from_parts(parts);
    for token in binding.candidate_tokens().await {
        if let Some(cart_id) = db::cart::find_active_by_token(&state.db, &token.hash()).await? {
            return Ok(Some(cart_id));
        }
    }
    Ok(None)
}

/// The current request's cart, opened now if the browser has none.
pub async fn current_or_new_cart() -> Result<i64, AppError> {
    if let Some(cart_id) = current_cart().await? {
        return Ok(cart_id);
    }
    let binding = Binding::from_request()?;
    let state = AppState::current()?;
    let token = CartToken::generate();
    let cart_id = db::cart::create(&state.db, &token.hash(), &binding.user_agent).await?;
    binding.remember(&token, &state).await;
    Ok(cart_id)
}

/// SHA-256 of every cart token the request carries (session and cookie): what proves a
/// shopper's claim to a cart or to an order placed from it.
pub async fn token_hashes() -> Result<Vec<Vec<u8>>, AppError> {
    let binding = Binding::from_request()?;
    Ok(binding
        .candidate_tokens()
        .await
        .iter()
        .map(|token| token.hash().to_vec())
        .collect())
}

/// Ties this browser to `cart_id` (opened through an emailed link) with a token of its own;
/// returns the help code of the other cart the browser had until now, if any.
pub async fn bind_to(cart_id: i64) -> Result<Option<String>, AppError> {
    let state = AppState::current()?;
    let previous = current_cart()
        .await?
        .filter(|previous| *previous != cart_id);
    let binding = Binding::from_request()?;
    let token = CartToken::generate();
    db::cart::add_token(&state.db, cart_id, &token.hash()).await?;
    binding.remember(&token, &state).await;
    match previous {
        Some(previous) => Ok(db::cart::help_code(&state.db, previous).await?),
        None => Ok(None),
    }
}

/// What the request says about its cart.
struct Binding {
    session: Option<Session>,
    cookie_token: Option<String>,
    user_agent: String,
}

impl Binding {
    fn from_request() -> Result<Self, AppError> {
        let parts = use_context::<Parts>()
            .ok_or_else(|| AppError::internal("missing context", "request parts not provided"))?;
        Ok(Self::from_parts(&parts))
    }

    fn from_parts(parts: &Parts) -> Self {
        let cookie_token = parts
            .headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|header| header.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == CART_COOKIE)
            .map(|(_, value)| value.to_string());
        let user_agent = parts
            .headers
            .get(USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string();
        Self {
            session: parts
                .extensions
                .get::<ShopperSession>()
                .map(|s| s.0.clone()),
            cookie_token,
            user_agent,
        }
    }

    /// The session's token first, then the cookie's. A malformed cookie is ignored: the
    /// shopper gets a new cart instead of an error page.
    async fn candidate_tokens(&self) -> Vec<CartToken> {
        let mut tokens = Vec::with_capacity(2);
        if let Some(session) = &self.session {
            match session.get::<String>(SESSION_CART_TOKEN).await {
                Ok(Some(text)) => tokens.extend(CartToken::parse(&text)),
                Ok(None) => {}
                // Redis trouble must not lose the cart: the cookie still finds it.
                Err(error) => tracing::warn!(%error, "shopper session unreadable"),
            }
        }
        if let Some(text) = &self.cookie_token {
            match CartToken::parse(text) {
                Some(token) if !tokens.contains(&token) => tokens.push(token),
                Some(_) => {}
                None => tracing::debug!("ignoring malformed cart cookie"),
            }
        }
        tokens
    }

    /// Stores the token in the session and (re)sets the durable cookie when it differs.
    async fn remember(&self, token: &CartToken, state: &AppState) {
        let hex = token.to_hex();
        if let Some(session) = &self.session {
            let stored = session
                .get::<String>(SESSION_CART_TOKEN)
                .await
                .ok()
                .flatten();
            if stored.as_deref() != Some(hex.as_str()) {
                if let Err(error) = session.insert(SESSION_CART_TOKEN, &hex).await {
                    tracing::warn!(%error, "could not store the cart in the shopper session");
                }
            }
        }
        if self.cookie_token.as_deref() != Some(hex.as_str()) {
            let secure = if state.config.secure_cookies() {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{CART_COOKIE}={hex}; Path=/; Max-Age={CART_COOKIE_MAX_AGE_SECS}; HttpOnly; SameSite=Lax{secure}"
            );
            if let (Some(response), Ok(value)) = (
                use_context::<ResponseOptions>(),
                HeaderValue::from_str(&cookie),
            ) {
                response.append_header(SET_COOKIE, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CartToken;

    #[test]
    fn a_token_survives_being_written_and_read_back() {
        let token = CartToken::generate();
        assert!(CartToken::parse(&token.to_hex()) == Some(token));
    }

    #[test]
    fn malformed_tokens_are_not_tokens() {
        for text in ["", "abc", &"g".repeat(64), &"a".repeat(63), &"é".repeat(32)] {
            assert!(CartToken::parse(text).is_none(), "{text}");
        }
    }
}
