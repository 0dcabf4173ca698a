//! Demo data: a small bicycle shop, loaded when the catalog is empty and seeding is on.

use sqlx::PgPool;

use super::{db, staff, Config};
use crate::error::AppError;
use crate::model::staff::Role;

/// Demo staff (development only): username, display name, password, roles.
/// Documented in the README; never seeded when `APP_ENV=production`.
pub const DEMO_STAFF: &[(&str, &str, &str, &[Role])] = &[
    (
        "admin",
        "Alex Admin",
        "admin-demo-pass",
        &[
            Role::Admin,
            Role::SalesRep,
            Role::EventListener,
            Role::DiscountManager,
        ],
    ),
    (
        "ava",
        "Ava Rep",
        "rep-demo-pass",
        &[Role::SalesRep, Role::EventListener],
    ),
    (
        "ben",
        "Ben Rep",
        "rep-demo-pass",
        &[Role::SalesRep, Role::EventListener],
    ),
];

/// Creates the demo staff accounts when there are none; refuses in production.
pub async fn seed_demo_staff(db: &PgPool, config: &Config) -> Result<usize, AppError> {
    if config.is_production() {
        tracing::warn!("APP_ENV=production: not seeding demo staff accounts with demo passwords");
        return Ok(0);
    }
    let existing: i64 = sqlx::query_scalar("select count(*) from staff")
        .fetch_one(db)
        .await?;
    if existing > 0 {
        return Ok(0);
    }
    for (username, display_name, password, roles) in DEMO_STAFF {
        let hash = staff::hash_password(password)?;
        db::staff::upsert(db, username, display_name, &hash, roles, true).await?;
    }
    Ok(DEMO_STAFF.len())
}

/// (slug, name, category, price in cents, stock, description)
const PRODUCTS: &[(&str, &str, &str, i64, i32, &str)] = &[
    ("road-bike-allegro", "Allegro Road Bike", "Bikes", 149_900, 6, "Aluminium frame, carbon fork, 22-speed groupset. Fast on tarmac, comfortable for long days."),
    ("gravel-bike-strada", "Strada Gravel Bike", "Bikes", 189_500, 4, "Wide tyre clearance, flared bars and mounts for everything. Made for roads that end."),
    ("city-bike-corso", "Corso City Bike", "Bikes", 64_900, 10, "Upright position, hub gears, mudguards, rack and dynamo lights included."),
    ("kids-bike-piccolo", "Piccolo Kids Bike 20\"", "Bikes", 32_900, 8, "Light frame sized for ages 6-9, easy-reach brakes, 7 gears."),
    ("e-bike-volta", "Volta E-Bike", "Bikes", 299_000, 3, "Mid-drive motor, 500 Wh battery, up to 120 km of assist."),
    ("mtb-sentiero", "Sentiero Trail MTB", "Bikes", 219_900, 0, "130 mm travel, dropper post, 12-speed. Back in stock soon."),
    ("helmet-aero", "Aero Road Helmet", "Helmets", 15_900, 25, "Wind-tunnel shaped shell with MIPS liner. 260 g."),
    ("helmet-urban", "Urban Commuter Helmet", "Helmets", 7_900, 40, "Integrated rear light, magnetic buckle, reflective details."),
    ("helmet-kids", "Kids Helmet Rocket", "Helmets", 3_900, 30, "Adjustable fit for heads 48-54 cm, bright colours."),
    ("jersey-classic", "Classic Wool Jersey", "Clothing", 8_900, 18, "Merino blend, three back pockets, full zip."),
    ("bib-shorts-pro", "Pro Bib Shorts", "Clothing", 12_900, 15, "Long-ride chamois, compressive fabric, silicone grippers."),
    ("rain-jacket-shell", "Packable Rain Shell", "Clothing", 11_900, 12, "Waterproof, breathable, packs into its own pocket."),
    ("gloves-summer", "Summer Gloves", "Clothing", 2_900, 50, "Gel palms, terry thumb, easy-off pull tabs."),
    ("socks-stripes", "Striped Cycling Socks", "Clothing", 1_400, 80, "Breathable, 15 cm cuff, sold as a pair."),
    ("lights-set-bright", "Bright Light Set", "Accessories", 5_900, 35, "800 lumen front, 100 lumen rear, USB-C charging."),
    ("lock-ulock", "Heavy U-Lock", "Accessories", 6_900, 22, "16 mm hardened shackle, two keys, frame mount."),
    ("pump-floor", "Floor Pump Track", "Accessories", 4_900, 20, "Large gauge, Presta and Schrader head, 160 psi."),
    ("bottle-cage-carbon", "Carbon Bottle Cage", "Accessories", 2_400, 45, "18 g, firm hold, side-entry friendly."),
    ("bottle-insulated", "Insulated Bottle 650 ml", "Accessories", 1_800, 60, "Keeps drinks cool for two hours."),
    ("computer-gps", "GPS Bike Computer", "Accessories", 24_900, 9, "Turn-by-turn navigation, power and heart-rate sensors."),
    ("tyre-road-28", "Road Tyre 700x28", "Parts", 4_500, 40, "Tubeless-ready, puncture-resistant belt."),
    ("tyre-gravel-40", "Gravel Tyre 700x40", "Parts", 5_200, 30, "Fast centre, grippy shoulders."),
    ("chain-12s", "12-Speed Chain", "Parts", 3_900, 25, "Nickel plated, quick link included."),
    ("saddle-comfort", "Comfort Saddle", "Parts", 6_400, 14, "Pressure-relief channel, steel rails."),
    ("pedals-clipless", "Clipless Pedals", "Parts", 9_900, 16, "Adjustable tension, cleats included."),
    ("brake-pads", "Disc Brake Pads", "Parts", 1_900, 70, "Organic compound, quiet and progressive."),
    ("tool-multi", "Multi-Tool 16", "Tools", 2_900, 33, "Hex keys, Torx, chain breaker and tyre levers."),
    ("tool-torque", "Torque Wrench Set", "Tools", 8_900, 7, "2-15 Nm with common bits, for carbon parts."),
    ("stand-repair", "Repair Stand", "Tools", 14_900, 5, "Folding, height-adjustable, quick-release clamp."),
    ("gift-card-50", "Gift Card $50", "Gifts", 5_000, 999, "Sent by email, valid for two years."),
];

/// Inserts the demo catalog when there are no products yet; returns how many were added.
pub async fn seed_demo_catalog(db: &PgPool) -> sqlx::Result<usize> {
    let mut tx = db.begin().await?;
    // One seeder at a time, so two processes starting together do not both insert.
    sqlx::query("select pg_advisory_xact_lock(7406521)")
        .execute(&mut *tx)
        .await?;
    let existing: i64 = sqlx::query_scalar("select count(*) from product")
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Ok(0);
    }
    for (slug, name, category, price_cents, stock, description) in PRODUCTS {
        sqlx::query(
            "insert into product (slug, name, category, price_cents, stock, description)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(slug)
        .bind(name)
        .bind(category)
        .bind(price_cents)
        .bind(stock)
        .bind(description)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(PRODUCTS.len())
}
