//! Money is integer cents everywhere; this module only turns cents into text for people.

/// Formats cents as dollars: `123456` becomes `$1,234.56`, `-250` becomes `-$2.50`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let dollars = (abs / 100).to_string();
    let mut grouped = String::with_capacity(dollars.len() + dollars.len() / 3);
    for (i, digit) in dollars.chars().enumerate() {
        if i > 0 && (dollars.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}${grouped}.{:02}", abs % 100)
}

#[cfg(test)]
mod tests {
    use super::format_cents;

    #[test]
    fn cents_are_shown_as_dollars_with_thousands_separators() {
        let cases = [
            (0, "$0.00"),
            (5, "$0.05"),
            (100, "$1.00"),
            (123_456, "$1,234.56"),
            (100_000_000, "$1,000,000.00"),
            (-250, "-$2.50"),
            (i64::MIN, "-$92,233,720,368,547,758.08"),
        ];
        for (cents, shown) in cases {
            assert_eq!(format_cents(cents), shown, "{cents} cents");
        }
    }
}
