//! The pushed-link validator: whatever a rep types, an accepted link is a canonical path of
//! this site, outside its staff pages, and validating it again changes nothing.
#![no_main]

use app::model::rep_input::site_path;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(path) = site_path(text, Some("https://shop.test")) {
        assert!(path.starts_with('/') && !path.starts_with("//"), "{path}");
        assert!(!path
            .chars()
            .any(|c| c.is_control() || c == '\\' || c == '#'));
        let lowered = path.to_ascii_lowercase();
        for staff in ["/admin", "/events", "/api"] {
            assert!(
                !(lowered == staff || lowered.starts_with(&format!("{staff}/"))),
                "{text:?} became {path}"
            );
        }
        assert_eq!(site_path(&path, Some("https://shop.test")), Ok(path));
    }
});
