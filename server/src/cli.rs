//! The command line, for what has to happen before anyone can sign in:
//!
//! ```text
//! server staff create --username NAME --display-name "Full Name" --roles admin[,sales_rep,...]
//! ```
//!
//! reads the password from standard input (one line), connects only to Postgres (running
//! the migrations first) and creates the account. With no arguments the binary serves, as
//! cargo-leptos runs it. An existing username, or anything missing, exits non-zero with a
//! sentence saying what.

use std::io::BufRead;
use std::process::ExitCode;

use app::model::staff::{
    check_password, parse_display_name, parse_roles, parse_username, StaffDraft,
};
use app::server::db::staff::Actor;
use app::server::{db, staff, Config};

const USAGE: &str = "usage: server staff create --username NAME --display-name \"Full Name\" --roles admin[,sales_rep,event_listener,discount_manager]
       (the password is read from standard input)
       server            (no arguments: serve)";

/// Runs the command `args` (the arguments after the program name).
pub async fn run(args: &[String]) -> ExitCode {
    match args.first().map(String::as_str) {
        Some("staff") if args.get(1).map(String::as_str) == Some("create") => {
            match staff_create(&args[2..]).await {
                Ok(message) => {
                    println!("{message}");
                    ExitCode::SUCCESS
                }
                Err(message) => {
                    eprintln!("{message}");
                    ExitCode::FAILURE
                }
            }
        }
        Some("--help" | "-h" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The value after `--name`, once.
fn option<'a>(args: &'a [String], name: &str) -> Result<Option<&'a str>, String> {
    let mut found = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == name {
            let value = iter
                .next()
                .ok_or_else(|| format!("{name} needs a value.\n{USAGE}"))?;
            if found.replace(value.as_str()).is_some() {
                return Err(format!("{name} is given twice."));
            }
        } else if arg.starts_with("--")
            && !["--username", "--display-name", "--roles"].contains(&arg.as_str())
        {
            return Err(format!("Unknown option {arg}.\n{USAGE}"));
        }
    }
    Ok(found)
}

async fn staff_create(args: &[String]) -> Result<String, String> {
    let username =
        option(args, "--username")?.ok_or_else(|| format!("--username is needed.\n{USAGE}"))?;
    let display_name = option(args, "--display-name")?
        .ok_or_else(|| format!("--display-name is needed.\n{USAGE}"))?;
    let roles = option(args, "--roles")?.unwrap_or_default();
    let draft = StaffDraft {
        username: parse_username(username)?,
        display_name: parse_display_name(display_name)?,
        roles: parse_roles(roles)?,
    };
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .map_err(|error| format!("Could not read the password from standard input: {error}"))?;
    let password = password.trim_end_matches(['\r', '\n']);
    check_password(password)?;
    let config = Config::from_env().map_err(|error| error.to_string())?;
    let pool = db::connect_and_migrate(&config.database_url)
        .await
        .map_err(|error| format!("Could not connect to Postgres: {error:#}"))?;
    let hash = staff::hash_password(password).map_err(|error| error.to_string())?;
    db::staff::create(&pool, Actor::CommandLine, &draft, &hash)
        .await
        .map_err(|error| error.to_string())?;
    let roles: Vec<&str> = draft.roles.iter().map(|role| role.as_str()).collect();
    Ok(format!(
        "Created staff member {} ({}) with roles: {}.",
        draft.username,
        draft.display_name,
        if roles.is_empty() {
            "none".to_string()
        } else {
            roles.join(", ")
        }
    ))
}
