//! Reading text typed into a form: one rule for every field, so odd bytes never reach the
//! database (Postgres refuses NUL, and control characters have no business in a reason, a
//! note or a search) and over-long input is refused with a sentence, not truncated.

/// A field's text, trimmed, refused when it holds control characters or more than
/// `max_chars` characters. `what` names the field in the message ("The reason").
pub fn single_line(what: &str, typed: &str, max_chars: usize) -> Result<String, String> {
    if typed.chars().any(char::is_control) {
        return Err(format!(
            "{what} contains characters that cannot be used (such as line breaks or control characters)."
        ));
    }
    let trimmed = typed.trim();
    if trimmed.chars().count() > max_chars {
        return Err(format!(
            "{what} is too long: at most {max_chars} characters."
        ));
    }
    Ok(trimmed.to_string())
}

/// Whether `text` could be a product slug (lowercase letters, digits and single dashes).
pub fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 80
        && !text.starts_with('-')
        && !text.ends_with('-')
        && !text.contains("--")
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_over_long_text_are_refused_with_a_sentence() {
        assert_eq!(single_line("The note", "  hi  ", 10), Ok("hi".into()));
        for bad in ["nul\0", "a\r\nb", "\u{7f}", "tab\there"] {
            let refused = single_line("The note", bad, 10).unwrap_err();
            assert!(refused.starts_with("The note contains"), "{refused}");
        }
        assert!(single_line("The note", &"x".repeat(11), 10)
            .unwrap_err()
            .contains("at most 10"));
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_single_dashes() {
        assert!(is_slug("helmet-aero"));
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "A",
            "a\0",
            "a/b",
            "../etc/passwd",
            "<script>",
            &"a".repeat(81),
        ] {
            assert!(!is_slug(bad), "{bad:?}");
        }
    }
}
