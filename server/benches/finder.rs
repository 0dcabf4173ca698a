//! Cart finder benchmark: seeds 100 000 active carts (with items and customers) into a fresh
//! database and prints how long the finder's queries take. Run with
//! `cargo bench -p server --bench finder` (Postgres on DATABASE_URL's server).

use std::time::{Duration, Instant};

use app::server::db;

const CARTS: i64 = 100_000;
const ROUNDS: usize = 200;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let name = format!("tandem_bench_finder_{}", std::process::id());
    let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
    let pool = db::connect_and_migrate(&url).await?;
    app::server::seed::seed_demo_catalog(&pool).await?;

    let started = Instant::now();
    seed_carts(&pool).await?;
    println!(
        "seeded {CARTS} carts in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let codes: Vec<String> =
        sqlx::query_scalar("select help_code from cart order by random() limit $1")
            .bind(ROUNDS as i64)
            .fetch_all(&pool)
            .await?;
    let emails: Vec<String> =
        sqlx::query_scalar("select email::text from customer order by random() limit $1")
            .bind(ROUNDS as i64)
            .fetch_all(&pool)
            .await?;

    let mut by_code = Vec::new();
    for code in &codes {
        let typed = format!("{}-{}", &code[..3], &code[3..]).to_lowercase();
        let t = Instant::now();
        let found = db::admin::find(&pool, &typed, None)
            .await
            .map_err(anyhow::Error::msg)?;
        by_code.push(t.elapsed());
        assert!(found.exact_cart.is_some());
    }
    report("help code (exact)", &mut by_code);

    let mut by_email = Vec::new();
    for email in &emails {
        let t = Instant::now();
        db::admin::find(&pool, email, None)
            .await
            .map_err(anyhow::Error::msg)?;
        by_email.push(t.elapsed());
    }
    report("customer email", &mut by_email);

    let mut by_name = Vec::new();
    for i in 0..ROUNDS {
        let t = Instant::now();
        db::admin::find(&pool, &format!("Customer {}", i * 97), None)
            .await
            .map_err(anyhow::Error::msg)?;
        by_name.push(t.elapsed());
    }
    report("customer name", &mut by_name);

    let mut by_product = Vec::new();
    for product in ["Aero Road", "socks", "Chain", "gift card", "Volta"]
        .iter()
        .cycle()
        .take(ROUNDS)
    {
        let t = Instant::now();
        db::admin::find(&pool, product, None)
            .await
            .map_err(anyhow::Error::msg)?;
        by_product.push(t.elapsed());
    }
    report("product in cart", &mut by_product);

    let mut recent = Vec::new();
    for _ in 0..ROUNDS {
        let t = Instant::now();
        db::admin::active_carts(&pool, None, true)
            .await
            .map_err(anyhow::Error::msg)?;
        recent.push(t.elapsed());
    }
    report("active carts list", &mut recent);

    pool.close().await;
    let admin = db::connect_and_migrate("postgres://postgres@127.0.0.1:5432/postgres").await;
    if let Ok(admin) = admin {
        let _ = sqlx::query(&format!("drop database if exists \"{name}\" with (force)"))
            .execute(&admin)
            .await;
    }
    Ok(())
}

async fn seed_carts(pool: &sqlx::PgPool) -> anyhow::Result<()> {
    // Triggers would NOTIFY 100k times; they are irrelevant to reading speed.
    let mut tx = pool.begin().await?;
    sqlx::query("set local session_replication_role = replica")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into customer (email, name)
         select 'customer' || i || '@example.com', 'Customer ' || i from generate_series(1, 20000) i",
    )
    .execute(&mut *tx)
    .await?;
    // Help codes: the cart number scrambled by a multiplier coprime with 31^6, written in
    // base 31 over the help-code alphabet, so every code is distinct.
    sqlx::query(
        "insert into cart (token_hash, help_code, customer_id, user_agent, updated_at)
         select sha256(i::text::bytea),
                (select string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', ((i::bigint * 48271 % 887503681) / power(31, k)::bigint % 31)::int + 1, 1), '' order by k)
                 from generate_series(0, 5) k),
                case when i % 5 = 0 then (i / 5) % 20000 + 1 end,
                'Mozilla/5.0 (Windows NT 10.0) Chrome/120.0',
                now() - (i || ' seconds')::interval
         from generate_series(1, $1) i",
    )
    .bind(CARTS)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into cart_item (cart_id, product_id, quantity)
         select c.cart_id, p.product_id, 1 + (c.cart_id % 3)::int
         from cart c
         join lateral (select product_id from product
                       where product_id % 7 = c.cart_id % 7 or product_id % 11 = c.cart_id % 11) p on true",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query("analyze").execute(pool).await?;
    Ok(())
}

fn report(what: &str, samples: &mut [Duration]) {
    samples.sort();
    let pick = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{what:<20} p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  ({} runs)",
        pick(0.5).as_secs_f64() * 1e3,
        pick(0.99).as_secs_f64() * 1e3,
        samples.last().unwrap().as_secs_f64() * 1e3,
        samples.len()
    );
}
