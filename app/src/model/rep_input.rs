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
/// `/?category=Bikes` or `/cart`, or a full URL on `own_origin`, and returns it in its
/// canonical form. Anything pointing elsewhere (another host, `//host`, `javascript:`,
/// backslashes) or at staff pages is refused, however it is spelled: the path is normalised
/// the way browsers resolve it (percent-encoded letters, digits and dots decoded, `.` and `..`
/// segments resolved, the fragment dropped, case ignored) before the staff-path check.
pub fn site_path(typed: &str, own_origin: Option<&str>) -> Result<String, String> {
    let refused = || {
        "Only links to pages of this shop are allowed, like /products/helmet-aero or /?category=Bikes."
            .to_string()
    };
    let typed = typed.trim();
    if typed.len() > 500 || typed.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(refused());
    }
    let path = match own_origin {
        Some(origin) if starts_with_ignoring_case(typed, origin) => {
            let rest = &typed[origin.len()..];
            if !(rest.is_empty() || rest.starts_with(['/', '?', '#'])) {
                return Err(refused());
            }
            rest
        }
        _ => typed,
    };
    let path = if path.is_empty() { "/" } else { path };
    if !path.starts_with('/') || path.starts_with("//") || path.contains('\\') {
        return Err(refused());
    }
    // The fragment never reaches the server and only confuses a reader: dropped.
    let path = path.split('#').next().unwrap_or_default();
    let (path, query) = match path.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path, None),
    };
    let decoded = decode_unreserved(path).ok_or_else(refused)?;
    let resolved = remove_dot_segments(&decoded);
    if resolved.starts_with("//") || !resolved.starts_with('/') {
        return Err(refused());
    }
    let lowered = resolved.to_ascii_lowercase();
    let staff_only = ["/admin", "/events", "/api"].iter().any(|prefix| {
        lowered == *prefix
            || lowered
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with(['/', ';', '.']))
    });
    if staff_only {
        return Err("That page is for staff; send a storefront page instead.".into());
    }
    Ok(match query {
        Some(query) => format!("{resolved}?{query}"),
        None => resolved,
    })
}

fn starts_with_ignoring_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.is_char_boundary(prefix.len())
        && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Decodes percent-encoded unreserved characters (letters, digits, `-._~`), which mean the
/// same encoded or not (RFC 3986 §6.2.2.2), and upper-cases the other escapes. `None` for a
/// malformed escape or an encoded slash, backslash or control character, whose meaning
/// differs between browsers and servers.
fn decode_unreserved(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            let ch = path[i..].chars().next()?;
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        let hex = path.get(i + 1..i + 3)?;
        let byte = u8::from_str_radix(hex, 16).ok()?;
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else if byte == b'/' || byte == b'\\' || byte < 0x20 || byte == 0x7f {
            return None;
        } else {
            out.push('%');
            out.push_str(&hex.to_ascii_uppercase());
        }
        i += 3;
    }
    Some(out)
}

/// Resolves `.` and `..` segments as a browser does (RFC 3986 §5.2.4).
fn remove_dot_segments(path: &str) -> String {
    let mut output: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    for (index, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {
                if index == last {
                    output.push("");
                }
            }
            ".." => {
                output.pop();
                if index == last {
                    output.push("");
                }
            }
            other => output.push(other),
        }
    }
    format!("/{}", output.join("/"))
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
            "/./admin",
            "/admin#x",
            "/admin?x=1",
            "/ADMIN/carts/1",
            "/%61dmin",
            "/products/../admin/carts/1",
            "/products/%2e%2e/admin",
            "/products%2f..%2fadmin",
            "/.%2e/admin",
            "/./events/io",
            "/.//evil.test",
            "https://shop.test.evil.test/cart",
            "/cart%00",
        ] {
            assert!(site_path(bad, Some("https://shop.test")).is_err(), "{bad}");
        }
    }

    #[test]
    fn links_are_stored_in_their_canonical_form() {
        assert_eq!(
            site_path("/products/./%68elmet-aero#top", None),
            Ok("/products/helmet-aero".into())
        );
        assert_eq!(site_path("/a/b/../c?x=%2f", None), Ok("/a/c?x=%2f".into()));
        assert_eq!(
            site_path("/administrator", None),
            Ok("/administrator".into())
        );
    }

    proptest::proptest! {
        /// Whatever the validator accepts, a real URL parser resolves on this site and outside
        /// its staff pages.
        #[test]
        fn every_accepted_link_stays_on_the_site_and_off_staff_pages(
            typed in "(/|\\.|\\.\\.|%2[eEfF]|%5[cC]|%6[1-9]|admin|ADMIN|Events|api|[a-z]{1,3}|#|\\?|;|%){1,12}"
        ) {
            let origin = "https://shop.test";
            if let Ok(path) = site_path(&typed, Some(origin)) {
                let base = url::Url::parse(origin).unwrap();
                let resolved = base.join(&path).unwrap();
                proptest::prop_assert_eq!(resolved.origin(), base.origin());
                let decoded = decode_unreserved(resolved.path()).unwrap_or_default().to_ascii_lowercase();
                for staff in ["/admin", "/events", "/api"] {
                    proptest::prop_assert!(
                        !(decoded == staff || decoded.starts_with(&format!("{staff}/"))),
                        "{} resolved to {}", typed, resolved
                    );
                }
            }
            // The same as typed against the site: anything accepted is also safe raw.
            let raw = url::Url::parse(origin).unwrap().join(&typed);
            if let (Ok(_), Ok(raw)) = (site_path(&typed, Some(origin)), raw) {
                let decoded = raw.path().to_ascii_lowercase().replace("%2e", ".");
                proptest::prop_assert!(!decoded.starts_with("/admin/") && decoded != "/admin", "{} raw {}", typed, raw);
            }
        }
    }
}
