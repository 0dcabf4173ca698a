//! The shopper's one-time notice (see `model::notice`), kept in the shopper's session between
//! a plain form post and the page it redirects to.

use http::request::Parts;
use leptos::prelude::use_context;
use tower_sessions::Session;

use super::shopper::ShopperSession;
use crate::model::notice::Notice;

const FLASH_KEY: &str = "flash";

/// Keeps `notice` for the next page the shopper sees.
pub async fn put(session: &Session, notice: &Notice) {
    if let Err(error) = session.insert(FLASH_KEY, notice).await {
        // Only the message is lost; what the shopper did was done (or refused) all the same.
        tracing::warn!(%error, "could not keep a notice for the next page");
    }
}

/// Keeps `notice` in the current request's shopper session.
pub async fn put_current(notice: &Notice) {
    if let Some(session) = current_session() {
        put(&session, notice).await;
    }
}

/// The notice kept for this page, removed so a reload does not show it again.
pub async fn take_current() -> Option<Notice> {
    let session = current_session()?;
    // Read before removing: a remove marks the session changed (a Redis write and a cookie)
    // even when there was nothing to remove, and most pages have no notice.
    match session.get::<Notice>(FLASH_KEY).await {
        Ok(Some(notice)) => {
            // Shown once: the page showing it must not be kept for this shopper's reload.
            crate::components::response_status::mark_not_shareable();
            if let Err(error) = session.remove::<Notice>(FLASH_KEY).await {
                tracing::warn!(%error, "could not clear the kept notice");
            }
            Some(notice)
        }
        Ok(None) => None,
        Err(error) => {
            tracing::warn!(%error, "could not read the kept notice");
            None
        }
    }
}

fn current_session() -> Option<Session> {
    use_context::<Parts>()?
        .extensions
        .get::<ShopperSession>()
        .map(|session| session.0.clone())
}
