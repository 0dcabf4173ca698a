//! The live relay's wire protocol, in one place for every side of it: the server's hub,
//! websocket and shopper stream, and the browser's websocket client.
//!
//! Over `/events/io` a client sends `{"listen":"cart_activity"}` (optionally with
//! `"cart_id":N`) and receives frames that are JSON arrays `[kind, body]`:
//! `["listening",{...}]`, `["cart_activity",<payload>]`, `["resync",{"reason":...}]` and
//! `["error",{"message":...}]`. The cart payload is what the database trigger notifies,
//! passed on unchanged.

use serde::{Deserialize, Serialize};

/// The largest message a client may send; bigger ones close the connection with 1009.
pub const MAX_CLIENT_MESSAGE: usize = 64 * 1024;

/// The one channel there is.
pub const CART_ACTIVITY: &str = "cart_activity";

/// A `cart_activity` payload: which cart changed, how, and its version since.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartActivity {
    pub cart_id: i64,
    pub op: String,
    pub version: i64,
    /// `active`, or what the cart became (absent in payloads of older servers).
    #[serde(default)]
    pub status: Option<String>,
}

/// What the shopper's own stream (`GET /api/cart/live`, event `cart`) says about a change:
/// the cart payload, and for a rep's change what the rep did, in words for the shopper
/// ("Ava added Aero Road Helmet"), and the line it touched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopperEvent {
    #[serde(flatten)]
    pub activity: CartActivity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<i64>,
}

/// Ops that say who is with a cart; they come with the cart's version unchanged, so views
/// fetch presence apart from the versioned cart.
pub fn is_presence(op: &str) -> bool {
    matches!(
        op,
        "shopper_online" | "shopper_offline" | "rep_viewing" | "rep_left"
    )
}

/// A subscription request: `{"listen":"cart_activity"}` or with `"cart_id": 42`.
#[derive(Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listen {
    pub listen: String,
    #[serde(default)]
    pub cart_id: Option<i64>,
}

/// Which events a connection wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subscription {
    /// Nothing yet: the client has not asked.
    None,
    /// Every cart.
    AllCarts,
    /// One cart.
    Cart(i64),
}

impl Subscription {
    /// Whether an event about `cart_id` goes to this connection.
    pub fn wants(self, cart_id: i64) -> bool {
        match self {
            Subscription::None => false,
            Subscription::AllCarts => true,
            Subscription::Cart(wanted) => wanted == cart_id,
        }
    }
}

/// Reads a client's text message: the new subscription, or the error frame to answer with.
pub fn read_client_message(text: &str) -> Result<Subscription, String> {
    let listen: Listen = serde_json::from_str(text).map_err(|_| {
        error_frame(r#"expected {"listen":"cart_activity"} optionally with "cart_id":<number>"#)
    })?;
    if listen.listen != CART_ACTIVITY {
        // The name is the client's own text: echo no more than a glance at it.
        let shown: String = listen.listen.chars().take(64).collect();
        return Err(error_frame(&format!(
            "unknown channel '{shown}'; the only channel is cart_activity"
        )));
    }
    Ok(match listen.cart_id {
        Some(cart_id) => Subscription::Cart(cart_id),
        None => Subscription::AllCarts,
    })
}

/// `["cart_activity",<payload>]`, the payload passed on as the database sent it.
pub fn activity_frame(payload: &str) -> String {
    format!("[\"{CART_ACTIVITY}\",{payload}]")
}

/// `["error",{"message":...}]`.
pub fn error_frame(message: &str) -> String {
    serde_json::json!(["error", { "message": message }]).to_string()
}

/// `["listening",{"channel":"cart_activity","cart_id":...}]`, confirming a subscription.
pub fn listening_frame(subscription: Subscription) -> String {
    let cart_id = match subscription {
        Subscription::Cart(id) => Some(id),
        _ => None,
    };
    serde_json::json!(["listening", { "channel": CART_ACTIVITY, "cart_id": cart_id }]).to_string()
}

/// `["resync",{"reason":"...","missed":n}]`: events may have been missed, refetch everything.
pub fn resync_frame(reason: &str, missed: Option<u64>) -> String {
    let mut detail = serde_json::json!({ "reason": reason });
    if let Some(missed) = missed {
        detail["missed"] = missed.into();
    }
    serde_json::json!(["resync", detail]).to_string()
}

/// A frame as a client reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerFrame {
    Listening,
    CartActivity(CartActivity),
    Resync,
    Error(String),
}

/// Reads a frame the relay sent; `None` for anything else.
pub fn read_server_frame(text: &str) -> Option<ServerFrame> {
    // `from_slice`, as server functions' answers are read: one JSON reader per type in the
    // wasm (see `components::loaded`).
    let (kind, body) =
        serde_json::from_slice::<(String, serde_json::Value)>(text.as_bytes()).ok()?;
    Some(match kind.as_str() {
        "listening" => ServerFrame::Listening,
        CART_ACTIVITY => ServerFrame::CartActivity(serde_json::from_value(body).ok()?),
        "resync" => ServerFrame::Resync,
        "error" => ServerFrame::Error(body["message"].as_str().unwrap_or_default().to_string()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_messages_select_all_carts_or_one() {
        assert_eq!(
            read_client_message(r#"{"listen":"cart_activity"}"#),
            Ok(Subscription::AllCarts)
        );
        assert_eq!(
            read_client_message(r#"{"listen":"cart_activity","cart_id":42}"#),
            Ok(Subscription::Cart(42))
        );
    }

    #[test]
    fn malformed_or_unknown_messages_get_an_error_frame() {
        for text in [
            "hello",
            "{}",
            r#"{"listen":"orders"}"#,
            r#"{"listen":"cart_activity","cart_id":"x"}"#,
            r#"{"listen":"cart_activity","extra":1}"#,
        ] {
            let frame = read_client_message(text).unwrap_err();
            assert!(frame.starts_with("[\"error\","), "{text}: {frame}");
        }
    }

    #[test]
    fn a_one_cart_subscription_only_wants_that_cart() {
        assert!(Subscription::Cart(3).wants(3));
        assert!(!Subscription::Cart(3).wants(4));
        assert!(Subscription::AllCarts.wants(4));
        assert!(!Subscription::None.wants(4));
    }

    #[test]
    fn what_the_server_writes_the_client_reads() {
        let payload = r#"{"cart_id":7,"op":"item_added","version":3,"status":"active"}"#;
        assert_eq!(
            read_server_frame(&activity_frame(payload)),
            Some(ServerFrame::CartActivity(CartActivity {
                cart_id: 7,
                op: "item_added".into(),
                version: 3,
                status: Some("active".into()),
            }))
        );
        assert_eq!(
            read_server_frame(&resync_frame("lagged", Some(3))),
            Some(ServerFrame::Resync)
        );
        assert_eq!(
            read_server_frame(&listening_frame(Subscription::AllCarts)),
            Some(ServerFrame::Listening)
        );
        assert_eq!(
            read_server_frame(&error_frame("no")),
            Some(ServerFrame::Error("no".into()))
        );
    }
}
