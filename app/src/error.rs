//! The one error type server functions return: serializable, and worded for the person
//! using the page. Internal causes are logged on the server once and never sent to the browser.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What went wrong, as the user is told it.
///
/// On the wire it is `{"kind":"Forbidden","message":"Your role does not allow this action."}`,
/// so any client (curl included) gets the sentence, and the Leptos client gets the variant back.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// The thing asked for does not exist (or is not visible to this user).
    #[error("{0}")]
    NotFound(String),
    /// The request needs a signed-in staff member.
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// Signed in, but the role does not allow this action.
    #[error("Your role does not allow this action.")]
    Forbidden,
    /// Not allowed, with the reason (e.g. a discount above the rep cap).
    #[error("{0}")]
    NotAllowed(String),
    /// The input was understood but not acceptable; the message says how to fix it.
    #[error("{0}")]
    Invalid(String),
    /// The data changed under the user (stale version, someone else edited it).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts in a short time.
    #[error("Too many attempts. Please wait a minute and try again.")]
    RateLimited,
    /// A fault on our side; details are in the server log, not here.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// A service the store depends on (its database, its session store) cannot be reached
    /// right now; nothing was changed, and trying again shortly will work.
    #[error(
        "The store is briefly unavailable. Nothing was changed; please try again in a moment."
    )]
    Unavailable,
    /// The browser could not reach the server or could not read its answer.
    #[error("Could not reach the store: {0}")]
    Transport(String),
}

#[derive(Serialize, Deserialize)]
struct WireError {
    kind: String,
    message: String,
}

impl AppError {
    fn kind(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "NotFound",
            AppError::Unauthenticated => "Unauthenticated",
            AppError::Forbidden => "Forbidden",
            AppError::NotAllowed(_) => "NotAllowed",
            AppError::Invalid(_) => "Invalid",
            AppError::Conflict(_) => "Conflict",
            AppError::RateLimited => "RateLimited",
            AppError::Internal => "Internal",
            AppError::Unavailable => "Unavailable",
            AppError::Transport(_) => "Transport",
        }
    }
}

impl Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireError {
            kind: self.kind().to_string(),
            message: self.to_string(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for AppError {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let WireError { kind, message } = WireError::deserialize(deserializer)?;
        Ok(match kind.as_str() {
            "NotFound" => AppError::NotFound(message),
            "Unauthenticated" => AppError::Unauthenticated,
            "Forbidden" => AppError::Forbidden,
            "NotAllowed" => AppError::NotAllowed(message),
            "Invalid" => AppError::Invalid(message),
            "Conflict" => AppError::Conflict(message),
            "RateLimited" => AppError::RateLimited,
            "Internal" => AppError::Internal,
            "Unavailable" => AppError::Unavailable,
            _ => AppError::Transport(message),
        })
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Arguments that do not decode come from edited or truncated forms.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => AppError::Invalid(
                "The form could not be read. Please reload the page and try again.".into(),
            ),
            ServerFnErrorErr::Request(message) | ServerFnErrorErr::Response(message) => {
                AppError::Transport(message)
            }
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server function failed");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                AppError::Internal
            }
        }
    }
}

impl AppError {
    /// The HTTP status that goes with the error when it is answered to a fetch.
    #[cfg(feature = "ssr")]
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::NotAllowed(_) => StatusCode::FORBIDDEN,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal | AppError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Logs an internal failure once, with its cause, and hides it from the user.
    #[cfg(feature = "ssr")]
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "{context}");
        AppError::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    /// A value the database refuses (class 22: malformed, out of range, a NUL byte; or a
    /// check constraint) means input got past validation: the user is told, nothing was
    /// stored. Everything else is our fault.
    fn from(error: sqlx::Error) -> Self {
        let code = error
            .as_database_error()
            .and_then(|e| e.code())
            .map(|code| code.into_owned());
        let unreachable = matches!(
            error,
            sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::WorkerCrashed
        ) || code
            .as_deref()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P"));
        if unreachable {
            tracing::warn!(%error, "the database is unreachable");
            return AppError::Unavailable;
        }
        match code.as_deref() {
            Some(code) if code.starts_with("22") || code == "23514" => {
                tracing::warn!(%error, "the database refused a value");
                AppError::Invalid(
                    "Something in that request cannot be stored (a value is malformed or too long). Nothing was changed."
                        .into(),
                )
            }
            _ => AppError::internal("database error", error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AppError;

    #[test]
    fn errors_travel_as_kind_and_sentence_and_come_back_the_same() {
        for error in [
            AppError::NotFound("No such cart.".into()),
            AppError::Unauthenticated,
            AppError::Forbidden,
            AppError::Invalid("Bad.".into()),
            AppError::Conflict("Changed.".into()),
            AppError::RateLimited,
            AppError::Internal,
            AppError::Unavailable,
        ] {
            let json = serde_json::to_string(&error).unwrap();
            assert!(json.contains(&error.to_string()), "{json}");
            assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), error);
        }
    }
}
