//! The relay's client-message parser and the browser's frame reader: any text gives a
//! subscription or an error frame that is itself valid JSON.
#![no_main]

use app::model::live::{read_client_message, read_server_frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(frame) = read_client_message(text) {
        let parsed: (String, serde_json::Value) =
            serde_json::from_str(&frame).expect("error frames are JSON");
        assert_eq!(parsed.0, "error");
    }
    let _ = read_server_frame(text);
});
