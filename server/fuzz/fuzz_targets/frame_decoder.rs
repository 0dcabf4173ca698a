//! The client-frame decoder: any bytes, split into reads of any size, must end in messages
//! within the limit, a wait for more bytes, or a violation; never a panic or an overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tandem_ws::frame::{ClientMessage, ClientReader};

const LIMIT: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let Some((&split, bytes)) = data.split_first() else {
        return;
    };
    let mut reader = ClientReader::new(LIMIT);
    for piece in bytes.chunks(usize::from(split).max(1)) {
        reader.extend(piece);
        loop {
            match reader.next_message() {
                Ok(Some(ClientMessage::Text(text))) => assert!(text.len() <= LIMIT),
                Ok(Some(ClientMessage::Binary(bytes))) => assert!(bytes.len() <= LIMIT),
                Ok(Some(ClientMessage::Ping(payload))) => assert!(payload.len() <= 125),
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(violation) => {
                    assert!(matches!(violation.close_code(), 1002 | 1007 | 1009));
                    return;
                }
            }
        }
    }
});
