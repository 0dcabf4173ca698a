//! The help-code parser: whatever a rep types, an accepted code shows as `XXX-XXX` and reads
//! back as itself.
#![no_main]

use app::model::help_code::{HelpCode, ALPHABET, LENGTH};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(code) = HelpCode::parse(text) {
        assert_eq!(code.as_str().len(), LENGTH);
        assert!(code.as_str().bytes().all(|b| ALPHABET.contains(&b)));
        let shown = code.to_string();
        assert_eq!(HelpCode::parse(&shown), Ok(code));
    }
});
