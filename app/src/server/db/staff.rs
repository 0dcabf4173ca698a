//! Staff account queries.

use sqlx::PgPool;

use crate::model::staff::{Role, StaffIdentity, StaffSummary};

/// A stored account, with what login needs.
pub struct StaffAccount {
    pub identity: StaffIdentity,
    pub password_hash: String,
    pub active: bool,
}

type AccountRow = (i64, String, String, String, bool, Vec<String>);

fn roles(names: &[String]) -> Vec<Role> {
    names.iter().filter_map(|name| Role::parse(name)).collect()
}

fn account(
    (staff_id, username, display_name, password_hash, active, role_names): AccountRow,
) -> StaffAccount {
    StaffAccount {
        identity: StaffIdentity {
            staff_id,
            username,
            display_name,
            roles: roles(&role_names),
        },
        password_hash,
        active,
    }
}

const ACCOUNT_COLUMNS: &str =
    "staff_id, username::text, display_name, password_hash, active, roles";

/// The account with this username (any case).
pub async fn by_username(db: &PgPool, username: &str) -> sqlx::Result<Option<StaffAccount>> {
    let row: Option<AccountRow> = sqlx::query_as(&format!(
        "select {ACCOUNT_COLUMNS} from staff where username = $1"
    ))
    .bind(username)
    .fetch_optional(db)
    .await?;
    Ok(row.map(account))
}

/// The account with this id, if still active: roles are read fresh on every request, so a
/// deactivated account or a removed role takes effect at once.
pub async fn active_by_id(db: &PgPool, staff_id: i64) -> sqlx::Result<Option<StaffIdentity>> {
    let row: Option<AccountRow> = sqlx::query_as(&format!(
        "select {ACCOUNT_COLUMNS} from staff where staff_id = $1 and active"
    ))
    .bind(staff_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| account(row).identity))
}

/// Creates or replaces an account (used by the demo seed and tests).
pub async fn upsert(
    db: &PgPool,
    username: &str,
    display_name: &str,
    password_hash: &str,
    roles: &[Role],
    active: bool,
) -> sqlx::Result<i64> {
    let role_names: Vec<&str> = roles.iter().map(|role| role.as_str()).collect();
    sqlx::query_scalar(
        "insert into staff (username, display_name, password_hash, roles, active)
         values ($1, $2, $3, $4, $5)
         on conflict (username) do update
         set display_name = excluded.display_name, password_hash = excluded.password_hash,
             roles = excluded.roles, active = excluded.active
         returning staff_id",
    )
    .bind(username)
    .bind(display_name)
    .bind(password_hash)
    .bind(&role_names)
    .bind(active)
    .fetch_one(db)
    .await
}

/// Every account, for admins.
pub async fn list(db: &PgPool) -> sqlx::Result<Vec<StaffSummary>> {
    let rows: Vec<(String, String, bool, Vec<String>)> = sqlx::query_as(
        "select username::text, display_name, active, roles from staff order by username",
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(username, display_name, active, role_names)| StaffSummary {
                username,
                display_name,
                active,
                roles: roles(&role_names),
            },
        )
        .collect())
}
