//! What clients may send over `/events/io`, and the frames answering mistakes.

use serde::Deserialize;

/// The largest message a client may send; bigger ones close the connection with 1009.
pub const MAX_CLIENT_MESSAGE: usize = 64 * 1024;

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
    if listen.listen != "cart_activity" {
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
    serde_json::json!(["listening", { "channel": "cart_activity", "cart_id": cart_id }]).to_string()
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
}
