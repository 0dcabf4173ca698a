//! A rep acting on a shopper's cart: edits, discounts and caps, versions, idempotency, the
//! audit trail, pushed links, and the shopper's live stream.

use std::time::Duration;

use uuid::Uuid;

use crate::helpers::{call_with, spawn_app, TestApp};

struct Scene {
    app: TestApp,
    shopper: reqwest::Client,
    rep: reqwest::Client,
    cart_id: String,
}

async fn scene() -> Scene {
    let app = spawn_app().await;
    let shopper = app.new_client();
    let pump = app.product_id("pump-floor").await.to_string();
    let id = Uuid::new_v4().to_string();
    let (_, cart) = call_with(
        &shopper,
        &app.url("/api/cart/add"),
        &[
            ("product_id", &pump),
            ("quantity", "2"),
            ("request_id", &id),
        ],
    )
    .await;
    let rep = app.staff_client("ava", "rep-demo-pass").await;
    Scene {
        cart_id: cart["cart_id"].to_string(),
        app,
        shopper,
        rep,
    }
}

impl Scene {
    async fn detail(&self) -> serde_json::Value {
        let (status, detail) = call_with(
            &self.rep,
            &self.app.url("/admin/api/cart"),
            &[("cart_id", &self.cart_id)],
        )
        .await;
        assert_eq!(status, 200, "{detail}");
        detail
    }

    async fn version(&self) -> String {
        self.detail().await["cart"]["version"].to_string()
    }

    /// Calls a rep function with the current version and a fresh request id.
    async fn rep_call(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let version = self.version().await;
        let id = Uuid::new_v4().to_string();
        let mut form: Vec<(&str, &str)> = vec![
            ("cart_id", &self.cart_id),
            ("version", &version),
            ("request_id", &id),
        ];
        form.extend_from_slice(fields);
        call_with(client, &self.app.url(path), &form).await
    }

    async fn shopper_cart(&self) -> serde_json::Value {
        call_with(&self.shopper, &self.app.url("/api/cart"), &[])
            .await
            .1
    }
}

#[tokio::test]
async fn a_rep_adds_changes_and_removes_items_and_each_action_is_audited() {
    let s = scene().await;
    let helmet = s.app.product_id("helmet-aero").await.to_string();
    let pump = s.app.product_id("pump-floor").await.to_string();
    let (status, detail) = s
        .rep_call(
            &s.rep,
            "/admin/api/rep/add",
            &[("product_id", &helmet), ("quantity", "1")],
        )
        .await;
    assert_eq!(status, 200, "{detail}");
    let (status, _) = s
        .rep_call(
            &s.rep,
            "/admin/api/rep/set",
            &[("product_id", &pump), ("quantity", "3")],
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = s
        .rep_call(&s.rep, "/admin/api/rep/remove", &[("product_id", &helmet)])
        .await;
    assert_eq!(status, 200);

    let cart = s.shopper_cart().await;
    assert_eq!(cart["lines"].as_array().unwrap().len(), 1);
    assert_eq!(cart["lines"][0]["quantity"], 3);
    let audit = s.detail().await["audit"].clone();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["item_removed", "quantity_changed", "item_added"]);
    assert_eq!(audit[1]["who"], "Ava Rep");
    assert_eq!(audit[1]["summary"], "Changed Floor Pump Track from 2 to 3");
}

#[tokio::test]
async fn a_stale_rep_change_is_refused_and_a_repeated_one_applies_once() {
    let s = scene().await;
    let pump = s.app.product_id("pump-floor").await.to_string();
    let stale = s.version().await;
    // The shopper changes the cart meanwhile.
    let socks = s.app.product_id("socks-stripes").await.to_string();
    let id = Uuid::new_v4().to_string();
    call_with(
        &s.shopper,
        &s.app.url("/api/cart/add"),
        &[
            ("product_id", &socks),
            ("quantity", "1"),
            ("request_id", &id),
        ],
    )
    .await;
    let id = Uuid::new_v4().to_string();
    let form = [
        ("cart_id", s.cart_id.as_str()),
        ("version", stale.as_str()),
        ("request_id", id.as_str()),
        ("product_id", pump.as_str()),
        ("quantity", "5"),
    ];
    let (status, body) = call_with(&s.rep, &s.app.url("/admin/api/rep/set"), &form).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("changed since you loaded it"));
    assert_eq!(s.shopper_cart().await["lines"][0]["quantity"], 2);

    let version = s.version().await;
    let id = Uuid::new_v4().to_string();
    let form = [
        ("cart_id", s.cart_id.as_str()),
        ("version", version.as_str()),
        ("request_id", id.as_str()),
        ("product_id", pump.as_str()),
        ("quantity", "1"),
    ];
    let (first, _) = call_with(&s.rep, &s.app.url("/admin/api/rep/add"), &form).await;
    let (second, _) = call_with(&s.rep, &s.app.url("/admin/api/rep/add"), &form).await;
    assert_eq!(
        (first, second),
        (200, 200),
        "a retry is answered, not refused"
    );
    assert_eq!(
        s.shopper_cart().await["lines"][0]["quantity"],
        3,
        "applied once"
    );
}

#[tokio::test]
async fn a_ten_percent_discount_with_a_reason_is_priced_on_the_server_and_removing_it_restores_the_total(
) {
    let s = scene().await;
    let before = s.shopper_cart().await;
    assert_eq!(before["total_cents"], 9800);
    let (status, detail) = s
        .rep_call(
            &s.rep,
            "/admin/api/rep/discount",
            &[
                ("target", "cart"),
                ("kind", "percent"),
                ("amount", "10"),
                ("reason", "Loyal customer"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{detail}");
    let cart = s.shopper_cart().await;
    assert_eq!(cart["total_cents"], 8820);
    assert_eq!(cart["discounts"][0]["taken_cents"], 980);
    assert_eq!(cart["discounts"][0]["discount"]["reason"], "Loyal customer");

    let discount_id = cart["discounts"][0]["discount"]["discount_id"].to_string();
    let (status, _) = s
        .rep_call(
            &s.rep,
            "/admin/api/rep/undiscount",
            &[("discount_id", &discount_id)],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(s.shopper_cart().await["total_cents"], before["total_cents"]);
    let audit = s.detail().await["audit"].clone();
    assert_eq!(audit[1]["action"], "discount_added");
    assert!(audit[1]["summary"]
        .as_str()
        .unwrap()
        .contains("Loyal customer"));
    assert!(audit[1]["summary"]
        .as_str()
        .unwrap()
        .contains("$98.00 → $88.20"));
}

#[tokio::test]
async fn reps_are_capped_and_discount_managers_are_not() {
    let s = scene().await;
    let (status, body) = s
        .rep_call(
            &s.rep,
            "/admin/api/rep/discount",
            &[
                ("target", "cart"),
                ("kind", "percent"),
                ("amount", "20"),
                ("reason", "Big order"),
            ],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("up to 15%"),
        "{body}"
    );
    // Two discounts within the cap each may not add up to more than it.
    let (status, _) = s
        .rep_call(
            &s.rep,
            "/admin/api/rep/discount",
            &[
                ("target", "cart"),
                ("kind", "percent"),
                ("amount", "10"),
                ("reason", "First"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = s
        .rep_call(
            &s.rep,
            "/admin/api/rep/discount",
            &[
                ("target", "cart"),
                ("kind", "fixed"),
                ("amount", "10"),
                ("reason", "Second"),
            ],
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        s.shopper_cart().await["total_cents"],
        8820,
        "the refused discount left nothing behind"
    );

    let manager = s.app.staff_client("admin", "admin-demo-pass").await;
    let (status, body) = s
        .rep_call(
            &manager,
            "/admin/api/rep/discount",
            &[
                ("target", "cart"),
                ("kind", "percent"),
                ("amount", "20"),
                ("reason", "Manager approved"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_discount_needs_a_reason_and_a_sensible_amount() {
    let s = scene().await;
    for (fields, message) in [
        (
            vec![
                ("target", "cart"),
                ("kind", "percent"),
                ("amount", "10"),
                ("reason", " "),
            ],
            "Give a reason",
        ),
        (
            vec![
                ("target", "cart"),
                ("kind", "percent"),
                ("amount", "150"),
                ("reason", "Too much"),
            ],
            "from 0.01 to 100",
        ),
        (
            vec![
                ("target", "cart"),
                ("kind", "fixed"),
                ("amount", "-5"),
                ("reason", "Negative"),
            ],
            "dollars and cents",
        ),
        (
            vec![
                ("target", "999"),
                ("kind", "fixed"),
                ("amount", "5"),
                ("reason", "No such line"),
            ],
            "in the cart",
        ),
    ] {
        let (status, body) = s.rep_call(&s.rep, "/admin/api/rep/discount", &fields).await;
        assert_eq!(status, 422, "{fields:?}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(message),
            "{fields:?}: {body}"
        );
    }
    assert!(s.shopper_cart().await["discounts"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_rep_pushes_same_site_links_only_and_the_shopper_can_dismiss_them() {
    let s = scene().await;
    let (status, body) = s
        .rep_call(
            &s.rep,
            "/admin/api/rep/link",
            &[("path", "https://evil.test/"), ("note", "")],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = s
        .rep_call(
            &s.rep,
            "/admin/api/rep/link",
            &[("path", "/products/helmet-aero"), ("note", "This one fits")],
        )
        .await;
    assert_eq!(status, 200);
    let cart = s.shopper_cart().await;
    assert_eq!(cart["links"][0]["path"], "/products/helmet-aero");
    assert_eq!(cart["links"][0]["note"], "This one fits");
    assert_eq!(cart["links"][0]["from"], "Ava Rep");
    let link_id = cart["links"][0]["link_id"].to_string();
    let (status, _) = call_with(
        &s.shopper,
        &s.app.url("/api/cart/dismiss-link"),
        &[("link_id", &link_id)],
    )
    .await;
    assert_eq!(status, 200);
    assert!(s.shopper_cart().await["links"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn only_sales_reps_may_act_on_carts() {
    let s = scene().await;
    s.app
        .create_staff(
            "watcher",
            "pw-watcher",
            &[app::model::staff::Role::EventListener],
        )
        .await;
    let watcher = s.app.staff_client("watcher", "pw-watcher").await;
    let pump = s.app.product_id("pump-floor").await.to_string();
    let fields = [("product_id", pump.as_str()), ("quantity", "1")];
    assert_eq!(
        s.rep_call(&s.shopper, "/admin/api/rep/add", &fields)
            .await
            .0,
        401
    );
    assert_eq!(
        s.rep_call(&watcher, "/admin/api/rep/add", &fields).await.0,
        403
    );
    assert_eq!(s.shopper_cart().await["lines"][0]["quantity"], 2);
}

#[tokio::test]
async fn the_audit_trail_cannot_be_rewritten() {
    let s = scene().await;
    s.rep_call(
        &s.rep,
        "/admin/api/rep/link",
        &[("path", "/cart"), ("note", "")],
    )
    .await;
    let update = sqlx::query("update cart_audit set action = 'nothing'")
        .execute(&s.app.state.db)
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = sqlx::query("delete from cart_audit")
        .execute(&s.app.state.db)
        .await;
    assert!(delete.is_err());
}

#[tokio::test]
async fn the_shopper_stream_carries_the_reps_changes_to_that_cart_only() {
    let s = scene().await;
    let nobody = s.app.new_client();
    let none = nobody
        .get(s.app.url("/api/cart/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status().as_u16(), 204, "no cart, no stream");

    let mut response = s.app.shopper_stream(&s.shopper).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        s.detail().await["shopper_online"],
        true,
        "the rep sees the shopper is here"
    );

    s.rep_call(
        &s.rep,
        "/admin/api/rep/link",
        &[("path", "/cart"), ("note", "")],
    )
    .await;
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !text.contains("rep_link_pushed") && tokio::time::Instant::now() < deadline {
        if let Ok(Ok(Some(chunk))) =
            tokio::time::timeout(Duration::from_secs(5), response.chunk()).await
        {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    assert!(text.contains("event: cart"), "{text}");
    assert!(text.contains("rep_link_pushed"), "{text}");
    let cart_ids: Vec<String> = text
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter_map(|data| serde_json::from_str::<serde_json::Value>(data).ok())
        .map(|payload| payload["cart_id"].to_string())
        .collect();
    assert!(
        !cart_ids.is_empty() && cart_ids.iter().all(|id| *id == s.cart_id),
        "{text}"
    );
}
