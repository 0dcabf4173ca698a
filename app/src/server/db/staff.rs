//! Staff account queries.

use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};

use crate::error::AppError;
use crate::model::page::Page;
use crate::model::staff::{Role, StaffDraft, StaffIdentity, StaffSummary};

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

/// Staff accounts per page of the staff list.
pub const PAGE_SIZE: i64 = 50;

/// A page of accounts in username order, after `cursor` (the last username shown).
#[tracing::instrument(name = "db.list_staff", skip(db))]
pub async fn list(db: &PgPool, cursor: Option<&str>) -> sqlx::Result<Page<StaffSummary>> {
    let rows: Vec<(i64, String, String, bool, Vec<String>)> = sqlx::query_as(
        "select staff_id, username::text, display_name, active, roles from staff
         where $1::text is null or username > $1::citext
         order by username limit $2",
    )
    .bind(cursor)
    .bind(PAGE_SIZE + 1)
    .fetch_all(db)
    .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let items: Vec<StaffSummary> = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(
            |(staff_id, username, display_name, active, role_names)| StaffSummary {
                staff_id,
                username,
                display_name,
                active,
                roles: roles(&role_names),
            },
        )
        .collect();
    let next = more
        .then(|| items.last().map(|last| last.username.clone()))
        .flatten();
    Ok(Page { items, next })
}

/// Who made a change to a staff account: a signed-in admin, or the command line.
#[derive(Clone, Copy, Debug)]
pub enum Actor {
    Staff(i64),
    CommandLine,
}

impl Actor {
    fn id(self) -> Option<i64> {
        match self {
            Actor::Staff(id) => Some(id),
            Actor::CommandLine => None,
        }
    }
}

/// Creates an account. An existing username is a conflict, said in a sentence.
#[tracing::instrument(name = "db.create_staff", skip(db, draft, password_hash))]
pub async fn create(
    db: &PgPool,
    actor: Actor,
    draft: &StaffDraft,
    password_hash: &str,
) -> Result<i64, AppError> {
    let mut tx = db.begin().await?;
    let role_names: Vec<&str> = draft.roles.iter().map(|role| role.as_str()).collect();
    let created: Option<i64> = sqlx::query_scalar(
        "insert into staff (username, display_name, password_hash, roles)
         values ($1, $2, $3, $4)
         on conflict (username) do nothing
         returning staff_id",
    )
    .bind(&draft.username)
    .bind(&draft.display_name)
    .bind(password_hash)
    .bind(&role_names)
    .fetch_optional(&mut *tx)
    .await?;
    let staff_id = created.ok_or_else(|| {
        AppError::Conflict(format!(
            "There is already a staff member called {}.",
            draft.username
        ))
    })?;
    audit(
        &mut tx,
        actor,
        staff_id,
        "created",
        json!({"username": draft.username, "display_name": draft.display_name, "roles": role_names}),
    )
    .await?;
    tx.commit().await?;
    Ok(staff_id)
}

/// Changes an account's display name and roles. Refused if it would leave no active admin.
#[tracing::instrument(name = "db.update_staff", skip(db, display_name, roles))]
pub async fn update(
    db: &PgPool,
    actor: Actor,
    staff_id: i64,
    display_name: &str,
    roles: &[Role],
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let before = lock(&mut tx, staff_id).await?;
    let role_names: Vec<&str> = roles.iter().map(|role| role.as_str()).collect();
    sqlx::query("update staff set display_name = $2, roles = $3 where staff_id = $1")
        .bind(staff_id)
        .bind(display_name)
        .bind(&role_names)
        .execute(&mut *tx)
        .await?;
    keep_an_admin(&mut tx).await?;
    audit(
        &mut tx,
        actor,
        staff_id,
        "updated",
        json!({"display_name": {"before": before.display_name, "after": display_name},
               "roles": {"before": before.roles, "after": role_names}}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deactivates or reactivates an account. Refused if it would leave no active admin.
#[tracing::instrument(name = "db.set_staff_active", skip(db))]
pub async fn set_active(
    db: &PgPool,
    actor: Actor,
    staff_id: i64,
    active: bool,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    lock(&mut tx, staff_id).await?;
    sqlx::query("update staff set active = $2 where staff_id = $1")
        .bind(staff_id)
        .bind(active)
        .execute(&mut *tx)
        .await?;
    keep_an_admin(&mut tx).await?;
    let action = if active { "reactivated" } else { "deactivated" };
    audit(&mut tx, actor, staff_id, action, json!({})).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new password (already hashed).
#[tracing::instrument(name = "db.set_staff_password", skip(db, password_hash))]
pub async fn set_password(
    db: &PgPool,
    actor: Actor,
    staff_id: i64,
    password_hash: &str,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    lock(&mut tx, staff_id).await?;
    sqlx::query("update staff set password_hash = $2 where staff_id = $1")
        .bind(staff_id)
        .bind(password_hash)
        .execute(&mut *tx)
        .await?;
    audit(&mut tx, actor, staff_id, "password_set", json!({})).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Locked {
    display_name: String,
    roles: Vec<String>,
}

async fn lock(tx: &mut Transaction<'_, Postgres>, staff_id: i64) -> Result<Locked, AppError> {
    sqlx::query_as("select display_name, roles from staff where staff_id = $1 for update")
        .bind(staff_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| AppError::NotFound("There is no staff member with that number.".into()))
}

/// Refuses a change that leaves nobody able to manage staff.
async fn keep_an_admin(tx: &mut Transaction<'_, Postgres>) -> Result<(), AppError> {
    // Serialises concurrent changes to admins: two admins demoting each other at once must
    // not both succeed.
    sqlx::query("select pg_advisory_xact_lock(7406523)")
        .execute(&mut **tx)
        .await?;
    let admins: i64 =
        sqlx::query_scalar("select count(*) from staff where active and 'admin' = any(roles)")
            .fetch_one(&mut **tx)
            .await?;
    if admins == 0 {
        return Err(AppError::NotAllowed(
            "That would leave no active admin; make someone else an admin first.".into(),
        ));
    }
    Ok(())
}

async fn audit(
    tx: &mut Transaction<'_, Postgres>,
    actor: Actor,
    staff_id: i64,
    action: &str,
    detail: serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into staff_audit (actor_id, staff_id, action, detail) values ($1, $2, $3, $4)",
    )
    .bind(actor.id())
    .bind(staff_id)
    .bind(action)
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
