//! The sales-rep discount cap is an invariant of the cart: whatever the shopper and the
//! reps do, in any order, the discounts given under the cap never take more than the cap's
//! share of the cart's current subtotal (each discount may round half a cent up).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::helpers::{spawn_app, TestApp};

const REP: (&str, &str) = ("ava", "rep-demo-pass");
const REP_NAME: &str = "Ava Rep";
const MANAGER: (&str, &str) = ("admin", "admin-demo-pass");
/// The default cap: 15%.
const CAP_BASIS_POINTS: i64 = 1500;

/// Checks the cap invariant on a cart detail; `Err` says how it is broken.
fn cap_invariant(detail: &serde_json::Value) -> Result<(), String> {
    let cart = &detail["cart"];
    let subtotal = cart["subtotal_cents"].as_i64().unwrap();
    let total = cart["total_cents"].as_i64().unwrap();
    let discounts = cart["discounts"].as_array().unwrap();
    let capped: Vec<i64> = discounts
        .iter()
        .filter(|d| d["discount"]["given_by"] == REP_NAME)
        .map(|d| d["taken_cents"].as_i64().unwrap())
        .collect();
    let capped_taken: i64 = capped.iter().sum();
    let all_taken: i64 = discounts
        .iter()
        .map(|d| d["taken_cents"].as_i64().unwrap())
        .sum();
    if capped_taken * 10_000 > CAP_BASIS_POINTS * subtotal + 5_000 * capped.len() as i64 {
        return Err(format!(
            "capped discounts take {capped_taken} of a {subtotal} subtotal"
        ));
    }
    if total < 0 || total != subtotal - all_taken {
        return Err(format!(
            "total {total} is not subtotal {subtotal} less {all_taken}"
        ));
    }
    Ok(())
}

struct Cart {
    app: TestApp,
    shopper: reqwest::Client,
    rep: reqwest::Client,
    cart_id: i64,
}

impl Cart {
    async fn with(slug: &str, quantity: u32) -> Self {
        let app = spawn_app().await;
        let shopper = app.new_client();
        let cart = app.add_to_cart(&shopper, slug, quantity).await;
        let rep = app.staff_client(REP.0, REP.1).await;
        Self {
            cart_id: cart["cart_id"].as_i64().unwrap(),
            app,
            shopper,
            rep,
        }
    }

    async fn discount(&self, target: &str, kind: &str, amount: &str) -> (u16, serde_json::Value) {
        self.app
            .rep_call(
                &self.rep,
                "/admin/api/rep/discount",
                self.cart_id,
                &[
                    ("target", target),
                    ("kind", kind),
                    ("amount", amount),
                    ("reason", "Goodwill"),
                ],
            )
            .await
    }

    async fn shopper_set(&self, slug: &str, quantity: u32) -> u16 {
        let product = self.app.product_id(slug).await.to_string();
        let version = self.app.shopper_cart(&self.shopper).await["version"].to_string();
        let quantity = quantity.to_string();
        crate::helpers::call_with(
            &self.shopper,
            &self.app.url("/api/cart/set"),
            &[
                ("product_id", &product),
                ("quantity", &quantity),
                ("version", &version),
            ],
        )
        .await
        .0
    }

    async fn detail(&self) -> serde_json::Value {
        self.app.cart_detail(&self.rep, self.cart_id).await
    }
}

#[tokio::test]
async fn a_capped_rep_cannot_give_a_fixed_discount_on_an_empty_cart_that_swallows_later_items() {
    let cart = Cart::with("socks-stripes", 1).await;
    let socks = cart.app.product_id("socks-stripes").await.to_string();
    let version = cart.app.shopper_cart(&cart.shopper).await["version"].to_string();
    crate::helpers::call_with(
        &cart.shopper,
        &cart.app.url("/api/cart/remove"),
        &[("product_id", &socks), ("version", &version)],
    )
    .await;

    let (status, body) = cart.discount("cart", "fixed", "1000000").await;
    assert_eq!(
        status, 403,
        "a $1,000,000 discount on an empty cart: {body}"
    );

    cart.app.add_to_cart(&cart.shopper, "helmet-aero", 2).await;
    let detail = cart.detail().await;
    cap_invariant(&detail).unwrap();
    assert_eq!(detail["cart"]["total_cents"], 31_800, "{detail}");
}

#[tokio::test]
async fn lowering_the_quantity_never_lets_a_capped_fixed_discount_take_more_than_the_cap() {
    // 6 × $49.00 = $294.00; 15% of it is $44.10.
    let cart = Cart::with("pump-floor", 6).await;
    let (status, body) = cart.discount("cart", "fixed", "44.10").await;
    assert_eq!(status, 200, "exactly the cap: {body}");

    assert_eq!(cart.shopper_set("pump-floor", 1).await, 200);
    let detail = cart.detail().await;
    cap_invariant(&detail).unwrap();
    assert_eq!(
        detail["cart"]["total_cents"], 4_165,
        "15% off $49.00, not 90%: {detail}"
    );

    // The same through the rep's own edits, on a line discount.
    let pump = cart.app.product_id("pump-floor").await.to_string();
    cart.app.add_to_cart(&cart.shopper, "helmet-aero", 3).await;
    let helmet = cart.app.product_id("helmet-aero").await.to_string();
    // 15% of $526.00 is $78.90; $44.10 of it is given, so $30 more fits.
    let (status, body) = cart.discount(&helmet, "fixed", "30").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = cart
        .app
        .rep_call(
            &cart.rep,
            "/admin/api/rep/set",
            cart.cart_id,
            &[("product_id", &helmet), ("quantity", "1")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = cart
        .app
        .rep_call(
            &cart.rep,
            "/admin/api/rep/remove",
            cart.cart_id,
            &[("product_id", &pump)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    cap_invariant(&cart.detail().await).unwrap();
}

#[tokio::test]
async fn a_rep_giving_exactly_the_cap_is_accepted_even_when_rounding_takes_a_fraction_more() {
    let cart = Cart::with("brake-pads", 1).await;
    sqlx::query("update product set price_cents = 1999 where slug = 'brake-pads'")
        .execute(&cart.app.state.db)
        .await
        .unwrap();
    // 15% of $19.99 is 299.85¢, priced as 300¢.
    let (status, body) = cart.discount("cart", "percent", "15").await;
    assert_eq!(status, 200, "{body}");
    let detail = cart.detail().await;
    assert_eq!(detail["cart"]["discounts"][0]["taken_cents"], 300);
    cap_invariant(&detail).unwrap();
}

#[tokio::test]
async fn a_new_capped_discount_cannot_shrink_one_the_shopper_was_already_given() {
    // 6 × $49.00 = $294.00; the cart-wide $44.10 is exactly the cap.
    let cart = Cart::with("pump-floor", 6).await;
    let (status, body) = cart.discount("cart", "fixed", "44.10").await;
    assert_eq!(status, 200, "{body}");
    // A line discount is applied before cart-wide ones: 15% off the line would leave the
    // cart within the cap, but only by taking the $44.10 the shopper was told about.
    let pump = cart.app.product_id("pump-floor").await.to_string();
    let (status, body) = cart.discount(&pump, "percent", "15").await;
    assert_eq!(status, 403, "{body}");
    let detail = cart.detail().await;
    assert_eq!(
        detail["cart"]["discounts"][0]["taken_cents"], 4_410,
        "{detail}"
    );
}

/// Products cheap and plentiful enough for many random carts.
const PRODUCTS: [&str; 6] = [
    "socks-stripes",
    "brake-pads",
    "bottle-insulated",
    "gloves-summer",
    "pump-floor",
    "helmet-aero",
];

/// Random operations by the shopper, a capped rep and an uncapped manager, checking the
/// invariant after every step. Sequences are seeded, so a failure names its seed.
#[tokio::test]
async fn the_rep_cap_holds_after_any_sequence_of_changes_by_either_side() {
    let sequences: u64 = std::env::var("TANDEM_CAP_SEQUENCES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let app = spawn_app().await;
    let rep = app.staff_client(REP.0, REP.1).await;
    let manager = app.staff_client(MANAGER.0, MANAGER.1).await;
    let mut products = Vec::new();
    for slug in PRODUCTS {
        products.push((slug, app.product_id(slug).await));
    }
    for seed in 0..sequences {
        let mut rng = StdRng::seed_from_u64(seed);
        let shopper = app.new_client();
        let first = products[rng.gen_range(0..products.len())].0;
        let cart_id = app.add_to_cart(&shopper, first, rng.gen_range(1..4)).await["cart_id"]
            .as_i64()
            .unwrap();
        let steps = rng.gen_range(4..14);
        for step in 0..steps {
            let detail = app.cart_detail(&rep, cart_id).await;
            let lines: Vec<i64> = detail["cart"]["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["product_id"].as_i64().unwrap())
                .collect();
            let discounts: Vec<i64> = detail["cart"]["discounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["discount"]["discount_id"].as_i64().unwrap())
                .collect();
            let subtotal = detail["cart"]["subtotal_cents"].as_i64().unwrap();
            let version = detail["cart"]["version"].to_string();
            let (slug, product) = products[rng.gen_range(0..products.len())];
            let product = product.to_string();
            let some_line = lines
                .get(rng.gen_range(0..lines.len().max(1)))
                .copied()
                .unwrap_or(0)
                .to_string();
            let quantity = rng.gen_range(1..7).to_string();
            let capped = rng.gen_bool(0.7);
            let staff = if capped { &rep } else { &manager };
            let target = match rng.gen_range(0..3) {
                0 => "cart".to_string(),
                1 => some_line.clone(),
                _ => product.clone(),
            };
            let (kind, amount) = if rng.gen_bool(0.5) {
                let percent = [1, 5, 10, 14, 15, 16, 30][rng.gen_range(0..7)];
                ("percent", percent.to_string())
            } else {
                let cents = match rng.gen_range(0..3) {
                    0 => subtotal * 15 / 100,
                    1 => rng.gen_range(1..5_000),
                    _ => rng.gen_range(1..100_000_000),
                }
                .max(1);
                ("fixed", format!("{}.{:02}", cents / 100, cents % 100))
            };
            let (what, status) = match rng.gen_range(0..8) {
                0 => (
                    "shopper add",
                    app.try_add_to_cart(&shopper, slug, rng.gen_range(1..3))
                        .await
                        .0,
                ),
                1 => (
                    "shopper set",
                    crate::helpers::call_with(
                        &shopper,
                        &app.url("/api/cart/set"),
                        &[
                            ("product_id", &some_line),
                            ("quantity", &quantity),
                            ("version", &version),
                        ],
                    )
                    .await
                    .0,
                ),
                2 => (
                    "shopper remove",
                    crate::helpers::call_with(
                        &shopper,
                        &app.url("/api/cart/remove"),
                        &[("product_id", &some_line), ("version", &version)],
                    )
                    .await
                    .0,
                ),
                3 => (
                    "rep add",
                    app.rep_call(
                        staff,
                        "/admin/api/rep/add",
                        cart_id,
                        &[("product_id", &product), ("quantity", &quantity)],
                    )
                    .await
                    .0,
                ),
                4 => (
                    "rep set or remove",
                    if rng.gen_bool(0.5) {
                        app.rep_call(
                            staff,
                            "/admin/api/rep/set",
                            cart_id,
                            &[("product_id", &some_line), ("quantity", &quantity)],
                        )
                        .await
                        .0
                    } else {
                        app.rep_call(
                            staff,
                            "/admin/api/rep/remove",
                            cart_id,
                            &[("product_id", &some_line)],
                        )
                        .await
                        .0
                    },
                ),
                5 | 6 => (
                    "discount",
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
                    .await
                    .0,
                ),
                _ => {
                    let id = discounts
                        .get(rng.gen_range(0..discounts.len().max(1)))
                        .copied()
                        .unwrap_or(0)
                        .to_string();
                    (
                        "undiscount",
                        app.rep_call(
                            staff,
                            "/admin/api/rep/undiscount",
                            cart_id,
                            &[("discount_id", &id)],
                        )
                        .await
                        .0,
                    )
                }
            };
            assert!(
                status < 500,
                "seed {seed} step {step}: {what} answered {status}"
            );
            let after = app.cart_detail(&rep, cart_id).await;
            if let Err(broken) = cap_invariant(&after) {
                panic!("seed {seed} step {step} ({what}, {kind} {amount} on {target}): {broken}\n{after}");
            }
        }
    }
}
