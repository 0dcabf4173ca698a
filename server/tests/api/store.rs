//! A store that sells and is staffed: checkout and orders, known customers, the emailed cart
//! link, staff management, carts ageing out, and lists a page at a time.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::helpers::{call_with, spawn_app, spawn_app_with, TestApp};

const ADA: [(&str, &str); 6] = [
    ("email", "ada@example.com"),
    ("name", "Ada Lovelace"),
    ("address_line", "12 Cycle Lane"),
    ("postal_code", "1010"),
    ("city", "Vienna"),
    ("country", "Austria"),
];

/// Places the order for `client`'s cart as it is now; (status, body).
async fn checkout(
    app: &TestApp,
    client: &reqwest::Client,
    details: &[(&str, &str)],
    request_id: &str,
) -> (u16, serde_json::Value) {
    let version = app.shopper_cart(client).await["version"].to_string();
    place(app, client, details, &version, request_id).await
}

/// Sends the checkout form as the page holds it: made against cart `version`.
async fn place(
    app: &TestApp,
    client: &reqwest::Client,
    details: &[(&str, &str)],
    version: &str,
    request_id: &str,
) -> (u16, serde_json::Value) {
    let mut form: Vec<(&str, &str)> = details.to_vec();
    form.push(("version", version));
    form.push(("request_id", request_id));
    call_with(client, &app.url("/api/checkout/place"), &form).await
}

async fn stock(app: &TestApp, slug: &str) -> i32 {
    sqlx::query_scalar("select stock from product where slug = $1")
        .bind(slug)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

async fn order_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from shop_order")
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_shopper_checks_out_and_the_order_keeps_the_prices_discounts_and_total_it_was_placed_at()
{
    let app = spawn_app().await;
    let shopper = app.new_client();
    let cart = app.add_to_cart(&shopper, "pump-floor", 2).await;
    let cart_id = cart["cart_id"].as_i64().unwrap();
    let rep = app.staff_client("ava", "rep-demo-pass").await;
    let (status, body) = app
        .rep_call(
            &rep,
            "/admin/api/rep/discount",
            cart_id,
            &[
                ("target", "cart"),
                ("kind", "percent"),
                ("amount", "10"),
                ("reason", "Loyal"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let stock_before = stock(&app, "pump-floor").await;

    let (status, number) = checkout(&app, &shopper, &ADA, &Uuid::new_v4().to_string()).await;
    assert_eq!(status, 200, "{number}");
    let number = number.as_str().unwrap().to_string();
    assert_eq!(number.len(), 9, "shown as XXXX-XXXX: {number}");
    assert_eq!(
        stock(&app, "pump-floor").await,
        stock_before - 2,
        "stock taken"
    );

    // Later changes to prices and discounts never alter the order.
    sqlx::query("update product set price_cents = 99999 where slug = 'pump-floor'")
        .execute(&app.state.db)
        .await
        .unwrap();
    sqlx::query("delete from cart_discount")
        .execute(&app.state.db)
        .await
        .unwrap();
    let (status, order) = call_with(&shopper, &app.url("/api/order"), &[("number", &number)]).await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["subtotal_cents"], 9_800);
    assert_eq!(order["total_cents"], 8_820);
    assert_eq!(order["status"], "awaiting_payment");
    assert_eq!(order["lines"][0]["unit_price_cents"], 4_900);
    assert_eq!(order["discounts"][0]["given_by"], "Ava Rep");
    assert_eq!(order["discounts"][0]["reason"], "Loyal");

    // The cart is closed as ordered; the next visit starts a fresh cart with another code.
    let status: String = sqlx::query_scalar("select status from cart where cart_id = $1")
        .bind(cart_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(status, "ordered");
    let fresh = app.add_to_cart(&shopper, "socks-stripes", 1).await;
    assert_ne!(fresh["cart_id"], cart["cart_id"]);
    assert_ne!(fresh["help_code"], cart["help_code"]);
    // Another browser cannot see the order.
    let (status, _) = call_with(
        &app.new_client(),
        &app.url("/api/order"),
        &[("number", &number)],
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn two_checkouts_racing_for_the_last_unit_make_exactly_one_order() {
    let app = spawn_app().await;
    sqlx::query("update product set stock = 1 where slug = 'e-bike-volta'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let (first, second) = (app.new_client(), app.new_client());
    app.add_to_cart(&first, "e-bike-volta", 1).await;
    app.add_to_cart(&second, "e-bike-volta", 1).await;
    let (id1, id2) = (Uuid::new_v4().to_string(), Uuid::new_v4().to_string());
    let (a, b) = tokio::join!(
        checkout(&app, &first, &ADA, &id1),
        checkout(&app, &second, &ADA, &id2)
    );
    let outcomes = [a, b];
    let placed = outcomes.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(placed, 1, "{outcomes:?}");
    let refused = outcomes.iter().find(|(status, _)| *status != 200).unwrap();
    assert_eq!(refused.0, 422, "{refused:?}");
    assert!(
        refused.1["message"].as_str().unwrap().contains("sold out"),
        "{refused:?}"
    );
    assert_eq!(stock(&app, "e-bike-volta").await, 0);
    assert_eq!(order_count(&app).await, 1, "no partial order");
}

#[tokio::test]
async fn a_checkout_sent_again_after_it_was_placed_answers_with_the_same_order_and_only_to_its_browser(
) {
    let app = spawn_app().await;
    let shopper = app.new_client();
    app.add_to_cart(&shopper, "socks-stripes", 2).await;
    let id = Uuid::new_v4().to_string();
    let version = app.shopper_cart(&shopper).await["version"].to_string();
    // The answer to the first was lost (a dropped connection, a second click once it was
    // done): the retry finds the order it placed, though the cart is no longer open.
    let first = place(&app, &shopper, &ADA, &version, &id).await;
    let again = place(&app, &shopper, &ADA, &version, &id).await;
    assert_eq!((first.0, again.0), (200, 200), "{first:?} {again:?}");
    assert_eq!(first.1, again.1, "the same order both times");
    assert_eq!(order_count(&app).await, 1);
    // Another browser sending the same request id learns nothing of that order.
    let stranger = app.new_client();
    app.add_to_cart(&stranger, "socks-stripes", 1).await;
    let (status, body) = place(&app, &stranger, &ADA, &version, &id).await;
    assert_eq!(status, 409, "{body}");
    assert_ne!(body, first.1, "{body}");
    assert_eq!(order_count(&app).await, 1);
}

#[tokio::test]
async fn a_repeated_checkout_makes_one_order() {
    let app = spawn_app().await;
    let shopper = app.new_client();
    app.add_to_cart(&shopper, "socks-stripes", 2).await;
    let id = Uuid::new_v4().to_string();
    let version = app.shopper_cart(&shopper).await["version"].to_string();
    let (first, second) = tokio::join!(
        place(&app, &shopper, &ADA, &version, &id),
        place(&app, &shopper, &ADA, &version, &id)
    );
    assert_eq!((first.0, second.0), (200, 200), "{first:?} {second:?}");
    assert_eq!(first.1, second.1, "the same order both times");
    assert_eq!(order_count(&app).await, 1);
}

#[tokio::test]
async fn a_cart_changed_by_a_rep_during_checkout_is_refused_with_the_new_total() {
    let app = spawn_app().await;
    let shopper = app.new_client();
    let cart = app.add_to_cart(&shopper, "pump-floor", 1).await;
    let seen = cart["version"].to_string();
    let rep = app.staff_client("ava", "rep-demo-pass").await;
    let socks = app.product_id("socks-stripes").await.to_string();
    let (status, _) = app
        .rep_call(
            &rep,
            "/admin/api/rep/add",
            cart["cart_id"].as_i64().unwrap(),
            &[("product_id", &socks), ("quantity", "1")],
        )
        .await;
    assert_eq!(status, 200);
    let id = Uuid::new_v4().to_string();
    let mut form: Vec<(&str, &str)> = ADA.to_vec();
    form.push(("version", &seen));
    form.push(("request_id", &id));
    let (status, body) = call_with(&shopper, &app.url("/api/checkout/place"), &form).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("the total is now $63.00"),
        "{body}"
    );
    assert_eq!(order_count(&app).await, 0);
}

#[tokio::test]
async fn bad_checkout_details_come_back_with_a_sentence_per_field_and_what_was_typed() {
    let app = spawn_app().await;
    app.add_to_cart(&app.client, "socks-stripes", 1).await;
    let version = app.shopper_cart(&app.client).await["version"].to_string();
    let (status, location) = app
        .post_form(
            "/api/checkout/place",
            &[
                ("email", "ada-at-example"),
                ("name", "Ada Lovelace"),
                ("address_line", ""),
                ("postal_code", "1010"),
                ("city", &"x".repeat(300)),
                ("country", "Austria"),
                ("version", &version),
                ("request_id", &Uuid::new_v4().to_string()),
            ],
            "/checkout",
        )
        .await;
    assert!((300..400).contains(&status), "{status}");
    assert_eq!(location, "/checkout");
    let (status, html) = app.page("/checkout").await;
    assert_eq!(status, 200);
    assert!(html.contains("does not look right"), "email problem shown");
    assert!(html.contains("The street address is needed."));
    assert!(html.contains("at most 100 characters"));
    assert!(
        html.contains("value=\"ada-at-example\""),
        "what was typed is kept"
    );
    assert!(html.contains("value=\"Ada Lovelace\""));
    assert_eq!(order_count(&app).await, 0);

    // An empty cart cannot be checked out.
    let empty = app.new_client();
    let (status, body) = call_with(
        &empty,
        &app.url("/api/checkout/place"),
        &[
            ADA.as_slice(),
            &[
                ("version", "1"),
                ("request_id", &Uuid::new_v4().to_string()),
            ],
        ]
        .concat(),
    )
    .await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn the_finder_finds_customers_by_email_and_partial_name_and_orders_by_number_or_code() {
    let app = spawn_app().await;
    let shopper = app.new_client();
    let cart = app.add_to_cart(&shopper, "socks-stripes", 1).await;
    let (_, number) = checkout(&app, &shopper, &ADA, &Uuid::new_v4().to_string()).await;
    let number = number.as_str().unwrap().to_string();
    let browsing = app.new_client();
    app.add_to_cart(&browsing, "helmet-aero", 1).await;
    // The same customer, still shopping, asks for a link: her open cart is hers too.
    let (status, body) = call_with(
        &browsing,
        &app.url("/api/cart/email-link"),
        &[("email", "ADA@example.com"), ("name", "Someone Else")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let rep = app.staff_client("ava", "rep-demo-pass").await;
    let find = |typed: &str| {
        let typed = typed.to_string();
        let rep = rep.clone();
        let url = app.url("/admin/api/find");
        async move { call_with(&rep, &url, &[("query", typed.as_str())]).await.1 }
    };
    let by_email = find("ada@EXAMPLE.com").await;
    assert_eq!(by_email["matched_by"], "customer", "{by_email}");
    assert_eq!(by_email["carts"].as_array().unwrap().len(), 1);
    assert_eq!(by_email["orders"][0]["order_number"], number);
    let by_name = find("lovel").await;
    assert_eq!(by_name["orders"][0]["order_number"], number, "{by_name}");
    assert_eq!(
        by_name["carts"][0]["customer"], "Ada Lovelace <ada@example.com>",
        "a known email keeps the name it was first given, and counts as verified"
    );
    let by_number = find(&number.to_lowercase().replace('-', "")).await;
    assert_eq!(by_number["exact_order"], number, "{by_number}");
    let by_code = find(cart["help_code"].as_str().unwrap()).await;
    assert_eq!(
        by_code["exact_order"], number,
        "the ordered cart's help code leads to its order: {by_code}"
    );
    let (status, order) = call_with(
        &rep,
        &app.url("/admin/api/orders/one"),
        &[("number", &number)],
    )
    .await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["contact_name"], "Ada Lovelace");
}

#[tokio::test]
async fn the_emailed_link_opens_the_cart_once_in_another_browser_and_the_email_is_unverified() {
    let app = spawn_app().await;
    let phone = app.new_client();
    let cart = app.add_to_cart(&phone, "helmet-aero", 1).await;
    let (status, body) = call_with(
        &phone,
        &app.url("/api/cart/email-link"),
        &[("email", "grace@example.com"), ("name", "")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mail: String =
        sqlx::query_scalar("select body from outbox where to_email = 'grace@example.com'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let token = mail
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let stored: i64 =
        sqlx::query_scalar("select count(*) from cart_link where token_hash = sha256($1::bytea)")
            .bind(token.as_bytes())
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(
        stored, 0,
        "the token is not stored as it is written in the link"
    );

    // A laptop with a cart of its own opens the link.
    let laptop = app.new_client();
    let own = app.add_to_cart(&laptop, "socks-stripes", 1).await;
    let (status, message) = call_with(
        &laptop,
        &app.url("/api/cart/open-link"),
        &[("token", &token)],
    )
    .await;
    assert_eq!(status, 200, "{message}");
    assert!(
        message
            .as_str()
            .unwrap()
            .contains(own["help_code"].as_str().unwrap()),
        "the other cart's code is given: {message}"
    );
    assert_eq!(app.shopper_cart(&laptop).await["cart_id"], cart["cart_id"]);
    assert_eq!(
        app.shopper_cart(&phone).await["cart_id"],
        cart["cart_id"],
        "the phone keeps it"
    );
    let (status, _) = call_with(
        &app.new_client(),
        &app.url("/api/cart/open-link"),
        &[("token", &token)],
    )
    .await;
    assert_eq!(status, 404, "a link works once");

    let rep = app.staff_client("ava", "rep-demo-pass").await;
    let found = call_with(&rep, &app.url("/admin/api/find"), &[("query", "grace@")])
        .await
        .1;
    assert_eq!(found["carts"][0]["cart_id"], cart["cart_id"], "{found}");
    assert!(
        found["carts"][0]["customer"]
            .as_str()
            .unwrap()
            .contains("(unverified)"),
        "{found}"
    );
}

#[tokio::test]
async fn cancelled_and_expired_orders_give_their_stock_back_and_old_carts_are_closed() {
    let app = spawn_app().await;
    let before = stock(&app, "helmet-aero").await;
    let (first, second) = (app.new_client(), app.new_client());
    app.add_to_cart(&first, "helmet-aero", 2).await;
    app.add_to_cart(&second, "helmet-aero", 3).await;
    let (_, one) = checkout(&app, &first, &ADA, &Uuid::new_v4().to_string()).await;
    let (_, two) = checkout(&app, &second, &ADA, &Uuid::new_v4().to_string()).await;
    assert_eq!(stock(&app, "helmet-aero").await, before - 5);

    let rep = app.staff_client("ava", "rep-demo-pass").await;
    let (status, order) = call_with(
        &rep,
        &app.url("/admin/api/orders/cancel"),
        &[
            ("number", one.as_str().unwrap()),
            ("reason", "Customer changed their mind"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["status"], "cancelled");
    assert_eq!(stock(&app, "helmet-aero").await, before - 3);

    // The second one is left unpaid past APP_ORDER_EXPIRE_DAYS (7); a cart goes quiet.
    sqlx::query(
        "update shop_order set created_at = now() - interval '8 days' where order_number = $1",
    )
    .bind(two.as_str().unwrap().replace('-', ""))
    .execute(&app.state.db)
    .await
    .unwrap();
    let idle = app.new_client();
    let idle_cart = app.add_to_cart(&idle, "socks-stripes", 1).await;
    // Back-dated past the trigger that keeps `updated_at` current.
    let mut tx = app.state.db.begin().await.unwrap();
    sqlx::query("set local session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("update cart set updated_at = now() - interval '31 days' where cart_id = $1")
        .bind(idle_cart["cart_id"].as_i64().unwrap())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app::server::maintenance::run_once(
        &app.state.db,
        &app::server::maintenance::Settings {
            cart_abandon_days: 30,
            order_expire_days: 7,
        },
    )
    .await
    .unwrap();
    assert_eq!(stock(&app, "helmet-aero").await, before, "all stock back");
    let status: String =
        sqlx::query_scalar("select status from shop_order where order_number = $1")
            .bind(two.as_str().unwrap().replace('-', ""))
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(status, "cancelled");
    let list = call_with(&rep, &app.url("/admin/api/carts"), &[]).await.1;
    assert!(
        !list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["cart_id"] == idle_cart["cart_id"]),
        "the abandoned cart left the active list"
    );
}

#[tokio::test]
async fn lists_that_grow_come_a_page_at_a_time_without_overlap() {
    let app = spawn_app().await;
    // 120 carts, a few seconds apart, plus 60 staff accounts.
    sqlx::query(
        "insert into cart (token_hash, help_code, updated_at)
         select sha256(n::text::bytea), translate(lpad(n::text, 6, '0'), '0123456789', '23456789AB'),
                now() - make_interval(secs => n)
         from generate_series(1, 120) n",
    )
    .execute(&app.state.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into staff (username, display_name, password_hash, roles)
         select 'member' || n, 'Member ' || n, 'x', array['sales_rep'] from generate_series(1, 60) n",
    )
    .execute(&app.state.db)
    .await
    .unwrap();
    let admin = app.staff_client("admin", "admin-demo-pass").await;
    for (path, expected) in [("/admin/api/carts", 120), ("/admin/api/staff", 63)] {
        let mut seen = std::collections::HashSet::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut form: Vec<(&str, &str)> = after.iter().map(|a| ("after", a.as_str())).collect();
            // The carts made here are empty; the list leaves those out unless asked.
            form.push(("with_empty", "true"));
            let (status, page) = call_with(&admin, &app.url(path), &form).await;
            assert_eq!(status, 200, "{page}");
            pages += 1;
            for item in page["items"].as_array().unwrap() {
                let key = item["cart_id"]
                    .as_i64()
                    .map_or_else(|| item["username"].to_string(), |id| id.to_string());
                assert!(seen.insert(key), "{path}: a row on two pages");
            }
            match page["next"].as_str() {
                Some(next) => after = Some(next.to_string()),
                None => break,
            }
        }
        assert_eq!(seen.len(), expected, "{path}");
        assert!(pages >= 2, "{path} came in pages");
    }
}

#[tokio::test]
async fn the_active_list_totals_include_discounts() {
    let app = spawn_app().await;
    let shopper = app.new_client();
    let cart = app.add_to_cart(&shopper, "pump-floor", 2).await;
    let rep = app.staff_client("ava", "rep-demo-pass").await;
    app.rep_call(
        &rep,
        "/admin/api/rep/discount",
        cart["cart_id"].as_i64().unwrap(),
        &[
            ("target", "cart"),
            ("kind", "fixed"),
            ("amount", "5"),
            ("reason", "Sorry"),
        ],
    )
    .await;
    let list = call_with(&rep, &app.url("/admin/api/carts"), &[]).await.1;
    let row = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["cart_id"] == cart["cart_id"])
        .unwrap()
        .clone();
    assert_eq!(row["total_cents"], 9_300, "{row}");
}

/// An order's total is always what the pricing module makes of the order's own snapshot:
/// random carts, random discounts by a capped rep and a manager, then checkout.
#[tokio::test]
async fn an_orders_total_always_equals_the_pricing_of_its_snapshot() {
    use app::model::pricing::{price, Discount, DiscountKind, LineInput};
    let app = spawn_app().await;
    let rep = app.staff_client("ava", "rep-demo-pass").await;
    let manager = app.staff_client("admin", "admin-demo-pass").await;
    let products = [
        "socks-stripes",
        "pump-floor",
        "helmet-aero",
        "brake-pads",
        "gloves-summer",
    ];
    for seed in 0..25u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        sqlx::query("update product set stock = 999")
            .execute(&app.state.db)
            .await
            .unwrap();
        let shopper = app.new_client();
        let mut cart_id = 0;
        for _ in 0..rng.gen_range(1..4) {
            let slug = products[rng.gen_range(0..products.len())];
            cart_id = app.add_to_cart(&shopper, slug, rng.gen_range(1..4)).await["cart_id"]
                .as_i64()
                .unwrap();
        }
        let lines = app.shopper_cart(&shopper).await["lines"].clone();
        for _ in 0..rng.gen_range(0..4) {
            let staff = if rng.gen_bool(0.5) { &rep } else { &manager };
            let target = if rng.gen_bool(0.5) {
                "cart".to_string()
            } else {
                lines[rng.gen_range(0..lines.as_array().unwrap().len())]["product_id"].to_string()
            };
            let (kind, amount) = if rng.gen_bool(0.5) {
                ("percent", rng.gen_range(1..20).to_string())
            } else {
                (
                    "fixed",
                    format!("{}.{:02}", rng.gen_range(0..30), rng.gen_range(1..100)),
                )
            };
            app.rep_call(
                staff,
                "/admin/api/rep/discount",
                cart_id,
                &[
                    ("target", &target),
                    ("kind", kind),
                    ("amount", &amount),
                    ("reason", "Random"),
                ],
            )
            .await;
        }
        let (status, number) = checkout(&app, &shopper, &ADA, &Uuid::new_v4().to_string()).await;
        assert_eq!(status, 200, "seed {seed}: {number}");
        let stored = number.as_str().unwrap().replace('-', "");
        let snapshot_lines: Vec<(i64, i64, i32)> = sqlx::query_as(
            "select l.product_id, l.unit_price_cents, l.quantity from order_line l
             join shop_order o using (order_id) where o.order_number = $1 order by l.position",
        )
        .bind(&stored)
        .fetch_all(&app.state.db)
        .await
        .unwrap();
        type Snap = (
            i64,
            Option<i64>,
            String,
            Option<i32>,
            Option<i64>,
            Option<i32>,
        );
        let snapshot_discounts: Vec<Snap> = sqlx::query_as(
            "select d.discount_id, d.product_id, d.kind, d.basis_points, d.amount_cents, d.cap_basis_points
             from order_discount d join shop_order o using (order_id)
             where o.order_number = $1 order by d.position",
        )
        .bind(&stored)
        .fetch_all(&app.state.db)
        .await
        .unwrap();
        let inputs: Vec<LineInput> = snapshot_lines
            .iter()
            .map(|(product_id, unit, quantity)| LineInput {
                product_id: *product_id,
                unit_price_cents: *unit,
                quantity: i64::from(*quantity),
            })
            .collect();
        let discounts: Vec<Discount> = snapshot_discounts
            .into_iter()
            .map(|(discount_id, product_id, kind, bp, cents, cap)| Discount {
                discount_id,
                product_id,
                kind: if kind == "percent" {
                    DiscountKind::Percent {
                        basis_points: i64::from(bp.unwrap()),
                    }
                } else {
                    DiscountKind::Fixed {
                        amount_cents: cents.unwrap(),
                    }
                },
                reason: String::new(),
                given_by: String::new(),
                cap_basis_points: cap.map(i64::from),
            })
            .collect();
        let total: i64 =
            sqlx::query_scalar("select total_cents from shop_order where order_number = $1")
                .bind(&stored)
                .fetch_one(&app.state.db)
                .await
                .unwrap();
        assert_eq!(price(&inputs, &discounts).total_cents, total, "seed {seed}");
    }
}

#[tokio::test]
async fn the_first_admin_comes_from_the_command_line_and_creates_a_sales_rep_from_the_admin_page() {
    // An empty database, started as production: no demo data, no demo staff.
    let app = spawn_app_with(&[("APP_ENV", "production"), ("APP_SEED_DEMO", "false")]).await;
    let database_url = app.state.config.database_url.clone();
    let create = |username: &'static str| {
        let database_url = database_url.clone();
        async move {
            let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"))
                .args(["staff", "create", "--username", username])
                .args(["--display-name", "Root Admin", "--roles", "admin,sales_rep"])
                .env("DATABASE_URL", database_url)
                .env("APP_ENV", "production")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            use tokio::io::AsyncWriteExt;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(b"a long root password\n").await.unwrap();
            drop(stdin);
            tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
                .await
                .unwrap()
                .unwrap()
        }
    };
    let output = create("root").await;
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("Created staff member root"));
    let again = create("root").await;
    assert!(!again.status.success(), "an existing username is refused");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already a staff member called root"),
        "{again:?}"
    );

    let root = app.staff_client("root", "a long root password").await;
    let (status, body) = call_with(
        &root,
        &app.url("/admin/api/staff/create"),
        &[
            ("username", "sam"),
            ("display_name", "Sam Seller"),
            ("password", "sam's own password"),
            ("role_sales_rep", "on"),
            ("role_event_listener", "on"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let sam = app.staff_client("sam", "sam's own password").await;
    let (status, me) = call_with(&sam, &app.url("/admin/api/me"), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        me["roles"],
        serde_json::json!(["sales_rep", "event_listener"])
    );
    let audit: Vec<(Option<i64>, String)> =
        sqlx::query_as("select actor_id, action from staff_audit order by audit_id")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert_eq!(audit[0].0, None, "created from the command line");
    assert!(audit[1].0.is_some(), "created by root");
}

#[tokio::test]
async fn an_admin_changes_roles_deactivates_and_sets_passwords_and_the_last_admin_stays() {
    let app = spawn_app().await;
    let admin = app.staff_client("admin", "admin-demo-pass").await;
    let ben = app.staff_client("ben", "rep-demo-pass").await;
    let ben_id: i64 = sqlx::query_scalar("select staff_id from staff where username = 'ben'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let ben_id = ben_id.to_string();
    let (status, _) = call_with(
        &admin,
        &app.url("/admin/api/staff/update"),
        &[
            ("staff_id", &ben_id),
            ("display_name", "Ben Listener"),
            ("role_event_listener", "on"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call_with(&ben, &app.url("/admin/api/carts"), &[]).await;
    assert_eq!(status, 403, "the role removal applies on the next request");

    let (status, _) = call_with(
        &admin,
        &app.url("/admin/api/staff/password"),
        &[("staff_id", &ben_id), ("password", "a brand new password")],
    )
    .await;
    assert_eq!(status, 200);
    app.staff_client("ben", "a brand new password").await;

    let (status, _) = call_with(
        &admin,
        &app.url("/admin/api/staff/active"),
        &[("staff_id", &ben_id), ("active", "false")],
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call_with(&ben, &app.url("/admin/api/me"), &[]).await;
    assert_eq!(status, 401, "a deactivated member is signed out");

    let admin_id: i64 = sqlx::query_scalar("select staff_id from staff where username = 'admin'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let (status, body) = call_with(
        &admin,
        &app.url("/admin/api/staff/active"),
        &[("staff_id", &admin_id.to_string()), ("active", "false")],
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("no active admin"));
    let actions: Vec<String> =
        sqlx::query_scalar("select action from staff_audit order by audit_id")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert_eq!(actions, ["updated", "password_set", "deactivated"]);
}
