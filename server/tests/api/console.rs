//! What the rep console and the shopper's page are told: links only to real pages, shown as
//! cards; the rep's changes in the shopper's words; the discount cap before and in a
//! refusal; empty carts left out of the list; presence apart from summaries; the store's
//! phone number.

use std::time::Duration;

use uuid::Uuid;

use crate::helpers::{call_with, spawn_app, spawn_app_with, TestApp};

struct Scene {
    app: TestApp,
    shopper: reqwest::Client,
    rep: reqwest::Client,
    cart_id: String,
}

/// A shopper with two floor pumps ($49 each) and a rep signed in.
async fn scene() -> Scene {
    let app = spawn_app().await;
    let shopper = app.new_client();
    let cart = app.add_to_cart(&shopper, "pump-floor", 2).await;
    let rep = app.staff_client("ava", "rep-demo-pass").await;
    Scene {
        cart_id: cart["cart_id"].to_string(),
        app,
        shopper,
        rep,
    }
}

impl Scene {
    /// The cart's page as `client` loads it: a load that starts a visit (`None`) or goes on
    /// with one.
    async fn load(&self, client: &reqwest::Client, visit: Option<&str>) -> serde_json::Value {
        let mut form = vec![("cart_id", self.cart_id.as_str())];
        form.extend(visit.map(|visit| ("visit", visit)));
        let (status, detail) = call_with(client, &self.app.url("/admin/api/cart"), &form).await;
        assert_eq!(status, 200, "{detail}");
        detail
    }

    async fn detail(&self) -> serde_json::Value {
        self.load(&self.rep, None).await
    }

    async fn rep_call(&self, path: &str, fields: &[(&str, &str)]) -> (u16, serde_json::Value) {
        let version = self.detail().await["cart"]["version"].to_string();
        let id = Uuid::new_v4().to_string();
        let mut form: Vec<(&str, &str)> = vec![
            ("cart_id", &self.cart_id),
            ("version", &version),
            ("request_id", &id),
        ];
        form.extend_from_slice(fields);
        call_with(&self.rep, &self.app.url(path), &form).await
    }

    /// `client`'s visit of the cart's page: a load that starts one (`None`) or goes on with it.
    async fn visit(&self, client: &reqwest::Client, visit: Option<&str>) -> String {
        self.load(client, visit).await["visit"]
            .as_str()
            .expect("a load gives its visit")
            .to_string()
    }

    /// Calls a presence function (`rep/viewing`, `rep/left`) for `visit` of the cart.
    async fn presence_call(&self, client: &reqwest::Client, path: &str, visit: &str) -> u16 {
        let form = [("cart_id", self.cart_id.as_str()), ("visit", visit)];
        call_with(client, &self.app.url(path), &form).await.0
    }

    /// Who the rep console says is helping with the cart.
    async fn helping(&self) -> serde_json::Value {
        self.helping_as(&self.rep).await
    }

    /// Who the console of `client` (a rep or an admin) says is helping with the cart.
    async fn helping_as(&self, client: &reqwest::Client) -> serde_json::Value {
        let (status, body) = call_with(
            client,
            &self.app.url("/admin/api/carts/presence"),
            &[("cart_ids", &self.cart_id)],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        body[0][1]["rep_viewing"].clone()
    }

    /// Nobody is shown helping, to the console of `admin` and to the shopper, and the
    /// shopper's `stream` was told a rep left.
    async fn nobody_is_helping(&self, admin: &reqwest::Client, stream: &mut reqwest::Response) {
        assert_eq!(self.helping_as(admin).await, serde_json::Value::Null);
        assert_eq!(
            self.shopper_cart().await["rep_viewing"],
            serde_json::Value::Null
        );
        assert!(stream_announces(stream, "rep_left").await);
    }

    async fn shopper_cart(&self) -> serde_json::Value {
        call_with(&self.shopper, &self.app.url("/api/cart"), &[])
            .await
            .1
    }
}

#[tokio::test]
async fn a_rep_can_only_send_links_to_pages_that_exist_and_the_shopper_sees_each_as_a_card() {
    let s = scene().await;
    for missing in [
        "/products/no-such-thing",
        "/?category=Spaceships",
        // The catalog's filter is exact: this would open an empty page.
        "/?category=bikes",
        // Decoded, a control character is no category.
        "/?category=%00",
        "/?category=Bikes%0D%0A",
        "/admin",
        "/orders/AAAA-BBBB",
        "/?sort=price",
    ] {
        let (status, body) = s
            .rep_call("/admin/api/rep/link", &[("path", missing), ("note", "")])
            .await;
        assert_eq!(status, 422, "{missing}: {body}");
    }
    let (status, body) = s
        .rep_call(
            "/admin/api/rep/link",
            &[("path", "/products/no-such-thing"), ("note", "")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        body.to_string()
            .contains("no page at /products/no-such-thing"),
        "{body}"
    );

    for (path, note) in [
        ("/?category=Bikes", "Browse these"),
        ("/products/helmet-aero", ""),
    ] {
        let (status, body) = s
            .rep_call("/admin/api/rep/link", &[("path", path), ("note", note)])
            .await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let cart = s.shopper_cart().await;
    let product = &cart["links"][0];
    assert_eq!(product["preview"]["title"], "Aero Road Helmet");
    assert_eq!(product["preview"]["price_cents"], 15_900);
    assert_eq!(
        product["preview"]["image_url"],
        app::model::catalog::image_url("helmet-aero")
    );
    assert!(product["preview"]["image_url"]
        .as_str()
        .unwrap()
        .starts_with("/images/products/helmet-aero.svg?v="));
    let category = &cart["links"][1];
    assert_eq!(category["preview"]["title"], "Bikes in our catalog");
    assert_eq!(category["preview"]["price_cents"], serde_json::Value::Null);
}

#[tokio::test]
async fn the_shopper_stream_says_what_the_rep_did_in_the_shoppers_words() {
    let s = scene().await;
    let mut stream = s.app.shopper_stream(&s.shopper).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let helmet = s.app.product_id("helmet-aero").await;
    let (status, body) = s
        .rep_call(
            "/admin/api/rep/add",
            &[("product_id", &helmet.to_string()), ("quantity", "1")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = s
        .rep_call(
            "/admin/api/rep/discount",
            &[
                ("target", &helmet.to_string()),
                ("kind", "percent"),
                ("amount", "10"),
                ("reason", "Loyal customer"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let mut said: Vec<serde_json::Value> = Vec::new();
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while said.len() < 2 && tokio::time::Instant::now() < deadline {
        if let Ok(Ok(Some(chunk))) =
            tokio::time::timeout(Duration::from_secs(5), stream.chunk()).await
        {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            said = buffer
                .lines()
                .filter_map(|line| line.strip_prefix("data: "))
                .filter_map(|data| serde_json::from_str::<serde_json::Value>(data).ok())
                .filter(|event| event["message"].is_string())
                .collect();
        }
    }
    assert_eq!(said.len(), 2, "{buffer}");
    assert_eq!(said[0]["message"], "Ava Rep added Aero Road Helmet");
    assert_eq!(said[0]["product_id"], helmet);
    assert_eq!(said[0]["op"], "rep_item_added");
    assert_eq!(
        said[1]["message"],
        "Ava Rep gave you 10% off Aero Road Helmet"
    );
}

#[tokio::test]
async fn the_discount_form_knows_the_cap_and_a_refusal_sets_what_was_asked_against_the_carts_share()
{
    let s = scene().await;
    // $98.00 of pumps; a rep's cap is 15% ($14.70).
    let cap = &s.detail().await["discount_cap"];
    assert_eq!(cap["cap_basis_points"], 1500);
    assert_eq!(cap["allowance_cents"], 1470);
    assert_eq!(cap["left_cents"], 1470);

    let (status, _) = s
        .rep_call(
            "/admin/api/rep/discount",
            &[
                ("target", "cart"),
                ("kind", "percent"),
                ("amount", "10"),
                ("reason", "Loyal customer"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let cap = &s.detail().await["discount_cap"];
    assert_eq!(cap["taken_cents"], 980);
    assert_eq!(cap["left_cents"], 490);

    let (status, body) = s
        .rep_call(
            "/admin/api/rep/discount",
            &[
                ("target", "cart"),
                ("kind", "percent"),
                ("amount", "50"),
                ("reason", "Too much"),
            ],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let message = body.to_string();
    assert!(
        message.contains("You asked for 50% off the whole cart"),
        "{message}"
    );
    assert!(
        message.contains("$9.80 is taken already, so $4.90 (5%) is left"),
        "{message}"
    );

    // A discount manager has no cap to show.
    let manager = s.app.staff_client("admin", "admin-demo-pass").await;
    let (_, detail) = call_with(
        &manager,
        &s.app.url("/admin/api/cart"),
        &[("cart_id", &s.cart_id)],
    )
    .await;
    assert_eq!(detail["discount_cap"], serde_json::Value::Null);
}

#[tokio::test]
async fn the_active_list_leaves_out_empty_carts_unless_asked_and_presence_comes_apart() {
    let s = scene().await;
    // Another shopper whose cart was emptied.
    let emptied = s.app.new_client();
    let cart = s.app.add_to_cart(&emptied, "socks-stripes", 1).await;
    let emptied_id = cart["cart_id"].as_i64().unwrap();
    let socks = s.app.product_id("socks-stripes").await.to_string();
    let (status, _) = call_with(
        &emptied,
        &s.app.url("/api/cart/remove"),
        &[
            ("product_id", &socks),
            ("version", &cart["version"].to_string()),
        ],
    )
    .await;
    assert_eq!(status, 200);

    let ids = |list: &serde_json::Value| -> Vec<i64> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["cart_id"].as_i64().unwrap())
            .collect()
    };
    let (_, list) = call_with(&s.rep, &s.app.url("/admin/api/carts"), &[]).await;
    assert!(!ids(&list).contains(&emptied_id), "{list}");
    assert!(ids(&list).contains(&s.cart_id.parse().unwrap()));
    let (_, list) = call_with(
        &s.rep,
        &s.app.url("/admin/api/carts"),
        &[("with_empty", "true")],
    )
    .await;
    assert!(ids(&list).contains(&emptied_id), "{list}");
    assert!(
        !list.to_string().contains("shopper_online"),
        "summaries carry no presence"
    );

    let _stream = s.app.shopper_stream(&s.shopper).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The rep opening the cart marks it as being helped.
    s.detail().await;
    let wanted = format!("{},{emptied_id}", s.cart_id);
    let (status, presence) = call_with(
        &s.rep,
        &s.app.url("/admin/api/carts/presence"),
        &[("cart_ids", &wanted)],
    )
    .await;
    assert_eq!(status, 200, "{presence}");
    assert_eq!(presence[0][0].to_string(), s.cart_id);
    assert_eq!(presence[0][1]["shopper_online"], true);
    assert_eq!(presence[0][1]["rep_viewing"], "Ava Rep");
    assert_eq!(presence[1][1]["shopper_online"], false);
    assert_eq!(presence[1][1]["rep_viewing"], serde_json::Value::Null);

    let many = (0..101)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    for bad in ["1,x", "1\u{0}", many.as_str()] {
        let (status, _) = call_with(
            &s.rep,
            &s.app.url("/admin/api/carts/presence"),
            &[("cart_ids", bad)],
        )
        .await;
        assert_eq!(status, 422, "{bad:?}");
    }
}

#[tokio::test]
async fn the_help_box_shows_the_configured_phone_number_and_hours() {
    let app = spawn_app_with(&[
        ("APP_STORE_PHONE", "+44 20 7946 0000"),
        ("APP_STORE_HOURS", "Every day 8:00–20:00"),
    ])
    .await;
    let (status, contact) = app.call("/api/store", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(contact["phone"], "+44 20 7946 0000");
    assert_eq!(contact["hours"], "Every day 8:00–20:00");
    app.add_to_cart(&app.client, "socks-stripes", 1).await;
    let (_, page) = app.page("/cart").await;
    assert!(page.contains("+44 20 7946 0000"), "the cart page shows it");
    assert!(page.contains("tel:+442079460000"), "as a link to call");
}

#[tokio::test]
async fn a_finder_miss_says_it_looked_for_a_help_code_or_an_order_number_when_typed_like_one() {
    let s = scene().await;
    let find = |typed: &'static str| {
        let (rep, url) = (s.rep.clone(), s.app.url("/admin/api/find"));
        async move { call_with(&rep, &url, &[("query", typed)]).await }
    };
    for typed in ["ZZZ-ZZZ", "zzz-zzz", "zzzzzz"] {
        let (status, found) = find(typed).await;
        assert_eq!(status, 200, "{found}");
        assert_eq!(found["matched_by"], "help code", "typed {typed:?}: {found}");
        assert_eq!(found["carts"], serde_json::json!([]));
    }
    let (_, found) = find("ZZZZ-ZZZZ").await;
    assert_eq!(found["matched_by"], "order number", "{found}");
    // Anything else is still a product search, found or not.
    let (_, found) = find("unicycle").await;
    assert_eq!(found["matched_by"], "product", "{found}");
    let (_, found) = find("pump").await;
    assert_eq!(found["matched_by"], "product", "{found}");
    assert_eq!(found["carts"][0]["cart_id"].to_string(), s.cart_id);
}

#[tokio::test]
async fn a_stored_link_that_cannot_be_previewed_shows_as_its_path_and_the_cart_still_loads() {
    let s = scene().await;
    // A link stored before links were checked, with a NUL once decoded.
    let cart_id: i64 = s.cart_id.parse().unwrap();
    sqlx::query(
        "insert into pushed_link (cart_id, path, note, created_by)
         select $1, '/?category=%00', 'old', staff_id from staff where username = 'ava'",
    )
    .bind(cart_id)
    .execute(&s.app.state.db)
    .await
    .unwrap();
    let (status, cart) = call_with(&s.shopper, &s.app.url("/api/cart"), &[]).await;
    assert_eq!(status, 200, "{cart}");
    assert_eq!(cart["links"][0]["path"], "/?category=%00");
    assert_eq!(cart["links"][0]["preview"], serde_json::Value::Null);
}

#[tokio::test]
async fn each_relayed_rep_change_is_described_as_itself_not_as_the_reps_latest_change() {
    let s = scene().await;
    let cart_id: i64 = s.cart_id.parse().unwrap();
    let helmet = s.app.product_id("helmet-aero").await.to_string();
    let socks = s.app.product_id("socks-stripes").await.to_string();
    let mut versions = Vec::new();
    for product in [&helmet, &socks] {
        let (status, body) = s
            .rep_call(
                "/admin/api/rep/add",
                &[("product_id", product), ("quantity", "1")],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        versions.push(body["cart"]["version"].as_i64().unwrap());
    }
    // Both are committed before either event is described, as when a rep is quick.
    let db = &s.app.state.db;
    let first = app::server::db::rep::for_shopper(db, cart_id, versions[0])
        .await
        .unwrap();
    let second = app::server::db::rep::for_shopper(db, cart_id, versions[1])
        .await
        .unwrap();
    assert_eq!(first.unwrap().0, "Ava Rep added Aero Road Helmet");
    assert_eq!(second.unwrap().0, "Ava Rep added Striped Cycling Socks");
    // A version no rep change made (the shopper's first add) is not the rep's doing.
    let shoppers = app::server::db::rep::for_shopper(db, cart_id, 1)
        .await
        .unwrap();
    assert_eq!(shoppers, None);
}

#[tokio::test]
async fn two_reps_on_one_cart_are_both_shown_as_helping_and_each_refresh_keeps_the_other() {
    let s = scene().await;
    let ben = s.app.staff_client("ben", "rep-demo-pass").await;
    let avas = s.visit(&s.rep, None).await;
    assert_eq!(s.helping().await, "Ava Rep");
    s.visit(&ben, None).await;
    assert_eq!(s.helping().await, "Ava Rep, Ben Rep");
    // Ava's page refreshes her mark: Ben stays.
    s.visit(&s.rep, Some(&avas)).await;
    assert_eq!(s.helping().await, "Ben Rep, Ava Rep");
    // The shopper's banner names both too.
    assert_eq!(s.shopper_cart().await["rep_viewing"], "Ben Rep, Ava Rep");
}

#[tokio::test]
async fn a_rep_who_leaves_a_cart_is_no_longer_shown_as_helping_and_the_other_rep_stays() {
    let s = scene().await;
    let ben = s.app.staff_client("ben", "rep-demo-pass").await;
    // Ava has the cart open twice (a reload, a second tab), Ben once.
    let first = s.visit(&s.rep, None).await;
    let second = s.visit(&s.rep, None).await;
    let bens = s.visit(&ben, None).await;
    assert_ne!(first, second);
    assert_eq!(s.helping().await, "Ava Rep, Ben Rep");

    // Another rep holding Ava's token cannot end her visit: a visit is its staff member's own.
    assert_eq!(
        s.presence_call(&ben, "/admin/api/rep/left", &first).await,
        200
    );
    assert_eq!(s.helping().await, "Ava Rep, Ben Rep");
    // The first page goes (its last word arrives after the reload's load): Ava is still there.
    assert_eq!(
        s.presence_call(&s.rep, "/admin/api/rep/left", &first).await,
        200
    );
    assert_eq!(s.helping().await, "Ava Rep, Ben Rep");
    // The second goes too: only Ben is left, for the console and the shopper alike.
    assert_eq!(
        s.presence_call(&s.rep, "/admin/api/rep/left", &second)
            .await,
        200
    );
    assert_eq!(s.helping().await, "Ben Rep");
    assert_eq!(s.shopper_cart().await["rep_viewing"], "Ben Rep");

    // A request of that page still on its way (a refresh, a refetch) does not bring Ava back.
    assert_eq!(
        s.presence_call(&s.rep, "/admin/api/rep/viewing", &second)
            .await,
        200
    );
    s.visit(&s.rep, Some(&second)).await;
    assert_eq!(s.helping().await, "Ben Rep");
    // Ending a visit twice, or one that never was, changes nothing.
    assert_eq!(
        s.presence_call(&s.rep, "/admin/api/rep/left", &second)
            .await,
        200
    );
    let never = Uuid::new_v4().simple().to_string();
    assert_eq!(
        s.presence_call(&s.rep, "/admin/api/rep/left", &never).await,
        200
    );
    assert_eq!(s.helping().await, "Ben Rep");
    // A visit is only ever in the form the server gives one out.
    for bad in ["", "x", "1\u{0}", "ab\r\ncd", &"f".repeat(10_000)] {
        assert_eq!(
            s.presence_call(&s.rep, "/admin/api/rep/left", bad).await,
            422,
            "{bad:?}"
        );
        assert_eq!(
            s.presence_call(&s.rep, "/admin/api/rep/viewing", bad).await,
            422,
            "{bad:?}"
        );
    }
    assert_eq!(s.helping().await, "Ben Rep");

    assert_eq!(
        s.presence_call(&ben, "/admin/api/rep/left", &bens).await,
        200
    );
    assert_eq!(s.helping().await, serde_json::Value::Null);
    assert_eq!(
        s.shopper_cart().await["rep_viewing"],
        serde_json::Value::Null
    );
}

/// Signs `client`'s staff session out, as the console's "Sign out" button does.
async fn sign_out(app: &TestApp, client: &reqwest::Client) {
    let response = client.post(app.url("/admin/logout")).send().await.unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
}

/// Waits (at most 5 s) for the shopper's event stream to announce `op`.
async fn stream_announces(stream: &mut reqwest::Response, op: &str) -> bool {
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while tokio::time::Instant::now() < deadline {
        let Ok(Ok(Some(chunk))) =
            tokio::time::timeout(Duration::from_secs(5), stream.chunk()).await
        else {
            return false;
        };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        let said = buffer
            .lines()
            .filter_map(|line| line.strip_prefix("data: "))
            .filter_map(|data| serde_json::from_str::<serde_json::Value>(data).ok())
            .any(|event| event["op"] == op);
        if said {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn a_rep_who_signs_out_is_at_once_no_longer_shown_as_helping_and_their_other_session_stays() {
    let s = scene().await;
    let admin = s.app.staff_client("admin", "admin-demo-pass").await;
    // Ava is signed in twice (a second device) and has the cart open in both.
    let other_device = s.app.staff_client("ava", "rep-demo-pass").await;
    s.visit(&s.rep, None).await;
    let others = s.visit(&other_device, None).await;
    assert_eq!(s.helping_as(&admin).await, "Ava Rep");
    let mut stream = s.app.shopper_stream(&s.shopper).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Signing out on one device ends that session's visits only: the other page is still open
    // and its refreshes keep her shown.
    sign_out(&s.app, &s.rep).await;
    assert_eq!(s.helping_as(&admin).await, "Ava Rep");
    assert_eq!(
        s.presence_call(&other_device, "/admin/api/rep/viewing", &others)
            .await,
        200
    );
    assert_eq!(s.helping_as(&admin).await, "Ava Rep");

    // Signing out there too takes her off now, not when the mark would have run out, and the
    // shopper's page is told.
    sign_out(&s.app, &other_device).await;
    s.nobody_is_helping(&admin, &mut stream).await;
}

#[tokio::test]
async fn a_rep_deactivated_or_no_longer_a_rep_is_at_once_no_longer_shown_as_helping() {
    let s = scene().await;
    let admin = s.app.staff_client("admin", "admin-demo-pass").await;
    let ben = s.app.staff_client("ben", "rep-demo-pass").await;
    s.visit(&s.rep, None).await;
    s.visit(&ben, None).await;
    assert_eq!(s.helping_as(&admin).await, "Ava Rep, Ben Rep");
    let staff_id = |username: &'static str| {
        let db = s.app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("select staff_id from staff where username = $1")
                .bind(username)
                .fetch_one(&db)
                .await
                .unwrap()
                .to_string()
        }
    };

    // An edit that leaves Ben a rep (his name) leaves him shown.
    let (status, body) = call_with(
        &admin,
        &s.app.url("/admin/api/staff/update"),
        &[
            ("staff_id", &staff_id("ben").await),
            ("display_name", "Ben Rep"),
            ("role_sales_rep", "on"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(s.helping_as(&admin).await, "Ava Rep, Ben Rep");

    let (status, body) = call_with(
        &admin,
        &s.app.url("/admin/api/staff/active"),
        &[("staff_id", &staff_id("ben").await), ("active", "false")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(s.helping_as(&admin).await, "Ava Rep");
    let mut stream = s.app.shopper_stream(&s.shopper).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Ava keeps her account but loses the roles that let her help with carts.
    let (status, body) = call_with(
        &admin,
        &s.app.url("/admin/api/staff/update"),
        &[
            ("staff_id", &staff_id("ava").await),
            ("display_name", "Ava Listener"),
            ("role_event_listener", "on"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    s.nobody_is_helping(&admin, &mut stream).await;
}

#[tokio::test]
async fn a_rep_with_more_cart_visits_than_are_indexed_is_still_taken_off_at_sign_out() {
    let s = scene().await;
    let admin = s.app.staff_client("admin", "admin-demo-pass").await;
    // Far more loads than the index keeps (512) or a cart holds (64): the newest are the
    // ones shown, and the ones ended.
    for _ in 0..600 {
        s.visit(&s.rep, None).await;
    }
    assert_eq!(s.helping_as(&admin).await, "Ava Rep");
    sign_out(&s.app, &s.rep).await;
    assert_eq!(s.helping_as(&admin).await, serde_json::Value::Null);
}
