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
    /// A product was added: said beside that product's button and in the cart badge, where
    /// the shopper is looking, rather than at the top of the page.
    Added {
        product_id: i64,
        name: String,
    },
    /// Adding a product was refused: said beside its button.
    NotAdded {
        product_id: i64,
        error: AppError,
    },
}

impl Notice {
    /// The product the notice is about, when it belongs beside that product's button.
    pub fn product_id(&self) -> Option<i64> {
        match self {
            Notice::Added { product_id, .. } | Notice::NotAdded { product_id, .. } => {
                Some(*product_id)
            }
            Notice::Done(_) | Notice::Failed(_) => None,
        }
    }
}
