//! Login rate limits that hold under parallel requests and cannot be turned against staff:
//! attempts are counted before the password is checked, keyed by username and client (or
//! the browser's trusted-device cookie), with IPv6 clients grouped by /64.

use crate::helpers::{spawn_app, TestApp};

const REP_PASSWORD: &str = "rep-demo-pass";

/// Posts the login form from `ip` (as forwarded by the local proxy); the redirect target.
async fn log_in_from(
    app: &TestApp,
    client: &reqwest::Client,
    ip: &str,
    username: &str,
    password: &str,
) -> String {
    let response = client
        .post(app.url("/admin/login"))
        .header("x-real-ip", ip)
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    response.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn forty_parallel_wrong_passwords_for_one_username_are_checked_at_most_five_times() {
    let app = spawn_app().await;
    let attempts = (0..40).map(|i| {
        let app = &app;
        async move {
            let client = app.new_client();
            log_in_from(app, &client, "10.9.9.9", "ben", &format!("guess-{i}")).await
        }
    });
    let outcomes = futures::future::join_all(attempts).await;
    let checked = outcomes
        .iter()
        .filter(|target| *target == "/admin/login?error=invalid")
        .count();
    let locked = outcomes
        .iter()
        .filter(|target| *target == "/admin/login?error=locked")
        .count();
    assert!(checked <= 5, "{checked} wrong passwords were checked");
    assert_eq!(checked + locked, 40, "{outcomes:?}");
}

#[tokio::test]
async fn failures_from_one_client_do_not_lock_the_same_staff_member_out_elsewhere() {
    let app = spawn_app().await;
    let attacker = app.new_client();
    for i in 0..12 {
        log_in_from(&app, &attacker, "203.0.113.7", "ava", &format!("guess-{i}")).await;
    }
    assert_eq!(
        log_in_from(&app, &attacker, "203.0.113.7", "ava", REP_PASSWORD).await,
        "/admin/login?error=locked",
        "the guessing client itself is locked"
    );
    let ava = app.new_client();
    assert_eq!(
        log_in_from(&app, &ava, "198.51.100.20", "ava", REP_PASSWORD).await,
        "/admin",
        "the real Ava, elsewhere, signs in"
    );
}

#[tokio::test]
async fn failures_from_a_shared_address_do_not_lock_out_reps_who_signed_in_there_before() {
    let app = spawn_app().await;
    let office = "192.0.2.10";
    let ava = app.new_client();
    let ben = app.new_client();
    assert_eq!(
        log_in_from(&app, &ava, office, "ava", REP_PASSWORD).await,
        "/admin"
    );
    assert_eq!(
        log_in_from(&app, &ben, office, "ben", REP_PASSWORD).await,
        "/admin"
    );
    // Someone in the same call centre (one NAT address) guesses a lot.
    let guesser = app.new_client();
    for i in 0..120 {
        log_in_from(&app, &guesser, office, &format!("user{i}"), "guess").await;
    }
    assert_eq!(
        log_in_from(&app, &guesser, office, "someone", "guess").await,
        "/admin/login?error=locked",
        "the address is slowed down for unknown browsers"
    );
    for (rep, client) in [("ava", &ava), ("ben", &ben)] {
        assert_eq!(
            log_in_from(&app, client, office, rep, REP_PASSWORD).await,
            "/admin",
            "{rep} signs in again from the shared address"
        );
    }
}

#[tokio::test]
async fn ipv6_clients_of_one_slash_64_share_one_limit() {
    let app = spawn_app().await;
    let client = app.new_client();
    for i in 1..=5 {
        log_in_from(&app, &client, &format!("2001:db8:1:2::{i}"), "ben", "guess").await;
    }
    assert_eq!(
        log_in_from(&app, &client, "2001:db8:1:2::99", "ben", REP_PASSWORD).await,
        "/admin/login?error=locked",
        "another address of the same /64 is the same client"
    );
    assert_eq!(
        log_in_from(&app, &client, "2001:db8:1:3::1", "ben", REP_PASSWORD).await,
        "/admin",
        "another /64 is another client"
    );
}

#[tokio::test]
async fn a_successful_sign_in_clears_the_clients_failures() {
    let app = spawn_app().await;
    let client = app.new_client();
    for _ in 0..4 {
        log_in_from(&app, &client, "10.0.0.5", "ben", "guess").await;
    }
    assert_eq!(
        log_in_from(&app, &client, "10.0.0.5", "ben", REP_PASSWORD).await,
        "/admin"
    );
    for _ in 0..4 {
        log_in_from(&app, &client, "10.0.0.5", "ben", "guess").await;
    }
    assert_eq!(
        log_in_from(&app, &client, "10.0.0.5", "ben", REP_PASSWORD).await,
        "/admin",
        "the count started again after the success"
    );
}

#[tokio::test]
async fn many_networks_together_get_no_more_than_fifty_guesses_at_one_account() {
    let app = spawn_app().await;
    let ben = app.new_client();
    assert_eq!(
        log_in_from(&app, &ben, "192.0.2.50", "ben", REP_PASSWORD).await,
        "/admin",
        "Ben signs in once on his own browser"
    );
    let botnet = app.new_client();
    for i in 0..50 {
        log_in_from(
            &app,
            &botnet,
            &format!("198.18.{}.{}", i / 200, i % 200 + 1),
            "ben",
            "guess",
        )
        .await;
    }
    assert_eq!(
        log_in_from(&app, &botnet, "203.0.113.99", "ben", "guess").await,
        "/admin/login?error=locked",
        "a fresh address is slowed down too"
    );
    assert_eq!(
        log_in_from(&app, &ben, "192.0.2.50", "ben", REP_PASSWORD).await,
        "/admin",
        "Ben's trusted browser is not"
    );
}
