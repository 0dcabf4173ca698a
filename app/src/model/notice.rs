//! A one-time message for the shopper about what just happened ("Added to your cart.", or
//! why it did not). After a plain form post it is kept in the shopper's session until the
//! next page shows it (a flash): never read from the URL, where anyone could write one.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What the notice area says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    Done(String),
    Failed(AppError),
}
