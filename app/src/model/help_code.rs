//! Help codes: the six characters a shopper reads to a rep over the phone (`K7M-2QX`).
//!
//! The alphabet leaves out characters people confuse when reading or hearing them
//! (`0`/`O`, `1`/`I`/`L`). Codes are stored without the dash; the dash is only for reading.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Characters a help code is made of: digits 2-9 and letters without I, L and O.
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Number of characters in a code, dash not counted.
pub const LENGTH: usize = 6;

/// A well-formed help code, normalised to upper case without the dash.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HelpCode(String);

/// Why a typed help code was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HelpCodeError {
    #[error("a help code has {LENGTH} characters, like K7M-2QX")]
    WrongLength,
    #[error("'{0}' never appears in a help code")]
    BadCharacter(char),
}

impl HelpCode {
    /// Reads a code as a rep types it: any case, with or without the dash or spaces.
    pub fn parse(typed: &str) -> Result<Self, HelpCodeError> {
        let mut code = String::with_capacity(LENGTH);
        for ch in typed.chars().filter(|c| !matches!(c, '-' | ' ' | '\t')) {
            let upper = ch.to_ascii_uppercase();
            if !upper.is_ascii() || !ALPHABET.contains(&(upper as u8)) {
                return Err(HelpCodeError::BadCharacter(ch));
            }
            code.push(upper);
        }
        if code.chars().count() != LENGTH {
            return Err(HelpCodeError::WrongLength);
        }
        Ok(Self(code))
    }

    /// Builds a code from `LENGTH` indexes into the alphabet (each taken modulo its size).
    pub fn from_indexes(indexes: [u8; LENGTH]) -> Self {
        Self(
            indexes
                .iter()
                .map(|i| ALPHABET[usize::from(*i) % ALPHABET.len()] as char)
                .collect(),
        )
    }

    /// The stored form, without the dash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Shows the code as it is read out: `K7M-2QX`.
impl fmt::Display for HelpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (left, right) = self.0.split_at(LENGTH / 2);
        write!(f, "{left}-{right}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_code_is_accepted_in_any_case_with_or_without_the_dash() {
        for typed in ["K7M-2QX", "k7m2qx", " k7m 2qx ", "K7M2QX"] {
            assert_eq!(
                HelpCode::parse(typed).unwrap().as_str(),
                "K7M2QX",
                "typed {typed:?}"
            );
        }
    }

    #[test]
    fn a_code_is_shown_with_a_dash_in_the_middle() {
        assert_eq!(HelpCode::parse("k7m2qx").unwrap().to_string(), "K7M-2QX");
    }

    #[test]
    fn look_alike_characters_are_refused_with_the_character_named() {
        assert_eq!(
            HelpCode::parse("K0M-2QX"),
            Err(HelpCodeError::BadCharacter('0'))
        );
        assert_eq!(
            HelpCode::parse("KIM-2QX"),
            Err(HelpCodeError::BadCharacter('I'))
        );
        assert_eq!(HelpCode::parse("K7M-2Q"), Err(HelpCodeError::WrongLength));
        assert_eq!(HelpCode::parse("K7M-2QXX"), Err(HelpCodeError::WrongLength));
    }

    #[test]
    fn the_alphabet_has_no_ambiguous_characters() {
        for ambiguous in b"01ILO" {
            assert!(!ALPHABET.contains(ambiguous));
        }
        assert_eq!(ALPHABET.len(), 31);
    }

    #[test]
    fn codes_built_from_any_indexes_parse_back() {
        for seed in 0..=255u8 {
            let code =
                HelpCode::from_indexes([seed, seed / 2, seed / 3, 255 - seed, seed ^ 0x55, 7]);
            assert_eq!(HelpCode::parse(&code.to_string()).unwrap(), code);
        }
    }
}
