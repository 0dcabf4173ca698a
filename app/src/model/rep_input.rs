//! Reading what a rep types: percentages, amounts of money, links to pages of this site.

/// "10", "12.5", "12.50%" → basis points (1000, 1250, 1250). From 0.01% to 100%.
pub fn parse_percent(typed: &str) -> Result<i64, String> {
    let message = || "A percentage is a number from 0.01 to 100, like 10 or 12.5.".to_string();
    let cleaned = typed.trim().trim_end_matches('%').trim();
    let basis_points = parse_hundredths(cleaned).ok_or_else(message)?;
    if (1..=10_000).contains(&basis_points) {
        Ok(basis_points)
    } else {
        Err(message())
    }
}

/// "5", "5.5", "$1,234.50" → cents. From $0.01 to $1,000,000.
pub fn parse_money(typed: &str) -> Result<i64, String> {
    let message = || "An amount is in dollars and cents, like 5 or 12.50.".to_string();
    let cleaned: String = typed
        .trim()
        .trim_start_matches('$')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let cents = parse_hundredths(cleaned.trim()).ok_or_else(message)?;
    if (1..=100_000_000).contains(&cents) {
        Ok(cents)
    } else {
        Err(message())
    }
}

/// A decimal with at most two decimals, in hundredths, without floating point.
fn parse_hundredths(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if whole.len() > 12 || fraction.len() > 2 {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let fraction: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    Some(whole * 100 + fraction)
}

/// Accepts a link to a storefront page of this site: a path such as `/products/helmet-aero`,
/// `/?category=Bikes` or `/cart`, or a full URL on `own_origin`. Anything pointing elsewhere
/// (another host, `//host`, `javascript:`, backslashes) or at staff pages is refused.
pub fn site_path(typed: &str, own_origin: Option<&str>) -> Result<String, String> {
    let refused = || {
        "Only links to pages of this shop are allowed, like /products/helmet-aero or /?category=Bikes."
            .to_string()
    };
    let typed = typed.trim();
    let path = match own_origin {
        Some(origin) if typed.starts_with(origin) => &typed[origin.len()..],
        _ => typed,
    };
    let path = if path.is_empty() { "/" } else { path };
    let safe = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace())
        && path.len() <= 500;
    if !safe {
        return Err(refused());
    }
    let staff_only = ["/admin", "/events", "/api"].iter().any(|prefix| {
        path == *prefix
            || path.starts_with(&format!("{prefix}/"))
            || path.starts_with(&format!("{prefix}?"))
    });
    if staff_only {
        return Err("That page is for staff; send a storefront page instead.".into());
    }
    Ok(path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_become_basis_points() {
        assert_eq!(parse_percent("10"), Ok(1000));
        assert_eq!(parse_percent("12.5%"), Ok(1250));
        assert_eq!(parse_percent("0.01"), Ok(1));
        assert_eq!(parse_percent("100"), Ok(10_000));
        for bad in ["0", "100.01", "-5", "ten", "1.234", "", "1e3"] {
            assert!(parse_percent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn money_becomes_cents() {
        assert_eq!(parse_money("5"), Ok(500));
        assert_eq!(parse_money("$1,234.5"), Ok(123_450));
        assert_eq!(parse_money("0.01"), Ok(1));
        for bad in ["0", "-1", "1.001", "abc", "", "99999999999"] {
            assert!(parse_money(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_storefront_pages_of_this_site_can_be_pushed() {
        assert_eq!(
            site_path("/products/helmet-aero", None),
            Ok("/products/helmet-aero".into())
        );
        assert_eq!(
            site_path("/?category=Bikes", None),
            Ok("/?category=Bikes".into())
        );
        assert_eq!(
            site_path("https://shop.test/cart", Some("https://shop.test")),
            Ok("/cart".into())
        );
        for bad in [
            "https://evil.test/x",
            "//evil.test",
            "/\\evil.test",
            "javascript:alert(1)",
            "products",
            "/admin",
            "/admin/carts/1",
            "/events/io",
            "/api/cart",
            "/a b",
        ] {
            assert!(site_path(bad, Some("https://shop.test")).is_err(), "{bad}");
        }
    }
}
