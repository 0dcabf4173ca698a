//! WebSocket framing (RFC 6455 §5) for `/events/io`.
//!
//! A server frame is never masked, so the bytes of one event's frame are the same for every
//! connection: the fan-out builds each frame once and hands the same bytes to all of them.
//! Client frames are parsed here with the relay's limits, checked from the header before the
//! payload is buffered, so an oversized message costs no memory.

use bytes::{BufMut, Bytes, BytesMut};

const OP_CONTINUATION: u8 = 0x0;
const OP_TEXT: u8 = 0x1;
const OP_BINARY: u8 = 0x2;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;
const OP_PONG: u8 = 0xA;

/// Close codes used by the relay (RFC 6455 §7.4.1).
pub mod close_code {
    pub const NORMAL: u16 = 1000;
    pub const GOING_AWAY: u16 = 1001;
    pub const PROTOCOL: u16 = 1002;
    pub const INVALID_TEXT: u16 = 1007;
    pub const POLICY: u16 = 1008;
    pub const TOO_BIG: u16 = 1009;
    pub const TRY_AGAIN_LATER: u16 = 1013;
}

/// A final, unmasked text frame.
pub fn text(text: &str) -> Bytes {
    server_frame(OP_TEXT, text.as_bytes())
}

/// A final, unmasked binary frame (the relay sends none; the conformance echo server does).
pub fn binary(payload: &[u8]) -> Bytes {
    server_frame(OP_BINARY, payload)
}

/// A ping with an empty payload.
pub fn ping() -> Bytes {
    server_frame(OP_PING, &[])
}

/// A pong echoing the ping's payload.
pub fn pong(payload: &[u8]) -> Bytes {
    server_frame(OP_PONG, payload)
}

/// The answer to a client's close: its code echoed, or an empty close if it gave none.
pub fn close_reply(code: Option<u16>) -> Bytes {
    match code {
        Some(code) => close(code, ""),
        None => server_frame(OP_CLOSE, &[]),
    }
}

/// A close frame with `code` and a short reason (cut to fit a control frame).
pub fn close(code: u16, reason: &str) -> Bytes {
    let mut cut = reason.len().min(123);
    while !reason.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut payload = Vec::with_capacity(2 + cut);
    payload.extend_from_slice(&code.to_be_bytes());
    payload.extend_from_slice(&reason.as_bytes()[..cut]);
    server_frame(OP_CLOSE, &payload)
}

fn server_frame(opcode: u8, payload: &[u8]) -> Bytes {
    let mut frame = BytesMut::with_capacity(payload.len() + 10);
    frame.put_u8(0x80 | opcode);
    match payload.len() {
        short @ 0..=125 => frame.put_u8(short as u8),
        medium @ 126..=0xFFFF => {
            frame.put_u8(126);
            frame.put_u16(medium as u16);
        }
        long => {
            frame.put_u8(127);
            frame.put_u64(long as u64);
        }
    }
    frame.put_slice(payload);
    frame.freeze()
}

/// A complete message from the client.
#[derive(Debug, PartialEq, Eq)]
pub enum ClientMessage {
    Text(String),
    /// Binary messages are not part of the relay's protocol (it answers them with an error),
    /// but they are handed through whole, as the RFC has them.
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong,
    /// The client's close code, if it gave one.
    Close(Option<u16>),
}

/// Why a client's bytes end the connection; each has its close code.
#[derive(Debug, PartialEq, Eq)]
pub enum Violation {
    /// A message over the size limit (1009).
    TooBig,
    /// Text that is not UTF-8 (1007).
    NotUtf8,
    /// Anything else the RFC forbids (1002).
    Protocol(&'static str),
}

impl Violation {
    pub fn close_code(&self) -> u16 {
        match self {
            Violation::TooBig => close_code::TOO_BIG,
            Violation::NotUtf8 => close_code::INVALID_TEXT,
            Violation::Protocol(_) => close_code::PROTOCOL,
        }
    }

    pub fn reason(&self) -> &'static str {
        match self {
            Violation::TooBig => "message too big",
            Violation::NotUtf8 => "text message is not UTF-8",
            Violation::Protocol(reason) => reason,
        }
    }
}

/// Reassembles client messages from the bytes read off the socket.
pub struct ClientReader {
    max_message: usize,
    /// Bytes read but not yet parsed. Freed whenever everything read has been parsed, which
    /// for an idle connection is always.
    unparsed: Vec<u8>,
    /// A fragmented data message being assembled: its opcode and the payload so far.
    fragments: Option<(u8, Vec<u8>)>,
    /// How much of a fragmented text message is known to be valid UTF-8, so invalid text
    /// fails at the fragment that carries it, not only at the end.
    valid_text: usize,
}

/// A frame header: what the parser needs of RFC 6455 §5.2.
struct Header {
    fin: bool,
    opcode: u8,
    mask: [u8; 4],
    header_len: usize,
    payload_len: u64,
}

impl ClientReader {
    pub fn new(max_message: usize) -> Self {
        Self {
            max_message,
            unparsed: Vec::new(),
            fragments: None,
            valid_text: 0,
        }
    }

    /// Whether a fragmented message has begun and not ended (the server bounds how long
    /// that may last).
    pub fn fragment_open(&self) -> bool {
        self.fragments.is_some()
    }

    /// Adds bytes read from the socket.
    pub fn extend(&mut self, bytes: &[u8]) {
        self.unparsed.extend_from_slice(bytes);
    }

    /// The next complete message, `None` until one is buffered, or the violation that
    /// must close the connection.
    pub fn next_message(&mut self) -> Result<Option<ClientMessage>, Violation> {
        loop {
            let Some(header) = parse_header(&self.unparsed)? else {
                return Ok(None);
            };
            self.check(&header)?;
            // `check` bounds the length by the message limit, so it fits in memory.
            let frame_len = header.header_len + header.payload_len as usize;
            if self.unparsed.len() < frame_len {
                return Ok(None);
            }
            let mut payload = self.unparsed[header.header_len..frame_len].to_vec();
            for (index, byte) in payload.iter_mut().enumerate() {
                *byte ^= header.mask[index % 4];
            }
            self.unparsed.drain(..frame_len);
            if self.unparsed.is_empty() {
                self.unparsed = Vec::new();
            }
            match header.opcode {
                OP_PING => return Ok(Some(ClientMessage::Ping(payload))),
                OP_PONG => return Ok(Some(ClientMessage::Pong)),
                OP_CLOSE => return Ok(Some(ClientMessage::Close(close_code_of(&payload)?))),
                opcode => {
                    let (opcode, message) = match self.fragments.take() {
                        Some((first, mut so_far)) => {
                            so_far.extend_from_slice(&payload);
                            (first, so_far)
                        }
                        None => (opcode, payload),
                    };
                    if !header.fin {
                        if opcode == OP_TEXT {
                            self.valid_text = check_partial_utf8(&message, self.valid_text)?;
                        }
                        self.fragments = Some((opcode, message));
                        continue;
                    }
                    self.valid_text = 0;
                    return Ok(Some(if opcode == OP_TEXT {
                        ClientMessage::Text(
                            String::from_utf8(message).map_err(|_| Violation::NotUtf8)?,
                        )
                    } else {
                        ClientMessage::Binary(message)
                    }));
                }
            }
        }
    }

    /// The rules that can be checked from the header alone.
    fn check(&self, header: &Header) -> Result<(), Violation> {
        match header.opcode {
            OP_CLOSE | OP_PING | OP_PONG => {
                if !header.fin || header.payload_len > 125 {
                    return Err(Violation::Protocol(
                        "control frames must be final and short",
                    ));
                }
            }
            OP_TEXT | OP_BINARY if self.fragments.is_some() => {
                return Err(Violation::Protocol(
                    "a new message began inside a fragmented one",
                ));
            }
            OP_CONTINUATION if self.fragments.is_none() => {
                return Err(Violation::Protocol(
                    "continuation without a message to continue",
                ));
            }
            OP_TEXT | OP_BINARY | OP_CONTINUATION => {
                let so_far = self
                    .fragments
                    .as_ref()
                    .map_or(0, |(_, so_far)| so_far.len());
                if header.payload_len > (self.max_message - so_far.min(self.max_message)) as u64 {
                    return Err(Violation::TooBig);
                }
            }
            _ => return Err(Violation::Protocol("unknown opcode")),
        }
        Ok(())
    }
}

/// The header at the start of `bytes`, or `None` if it is not all there yet.
fn parse_header(bytes: &[u8]) -> Result<Option<Header>, Violation> {
    let [first, second, ..] = *bytes else {
        return Ok(None);
    };
    if first & 0x70 != 0 {
        return Err(Violation::Protocol("reserved bits set"));
    }
    if second & 0x80 == 0 {
        return Err(Violation::Protocol("client frames must be masked"));
    }
    // RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the length".
    let (length_len, payload_len) = match second & 0x7F {
        126 => match bytes.get(2..4) {
            Some(length) => match u16::from_be_bytes([length[0], length[1]]) {
                0..=125 => return Err(Violation::Protocol("a length not in its shortest form")),
                length => (2, u64::from(length)),
            },
            None => return Ok(None),
        },
        127 => match bytes.get(2..10) {
            Some(length) if length[0] & 0x80 != 0 => {
                return Err(Violation::Protocol("a 64-bit length with its top bit set"))
            }
            Some(length) => match u64::from_be_bytes(length.try_into().expect("8 bytes")) {
                0..=0xFFFF => return Err(Violation::Protocol("a length not in its shortest form")),
                length => (8, length),
            },
            None => return Ok(None),
        },
        short => (0, u64::from(short)),
    };
    let mask_at = 2 + length_len;
    let Some(mask) = bytes.get(mask_at..mask_at + 4) else {
        return Ok(None);
    };
    Ok(Some(Header {
        fin: first & 0x80 != 0,
        opcode: first & 0x0F,
        mask: mask.try_into().expect("4 bytes"),
        header_len: mask_at + 4,
        payload_len,
    }))
}

/// Checks that `text` is UTF-8 as far as it goes (it may end inside a character that the
/// next fragment completes), starting from `valid`; returns how far it is valid.
fn check_partial_utf8(text: &[u8], valid: usize) -> Result<usize, Violation> {
    match std::str::from_utf8(&text[valid.min(text.len())..]) {
        Ok(_) => Ok(text.len()),
        Err(error) if error.error_len().is_none() => Ok(valid + error.valid_up_to()),
        Err(_) => Err(Violation::NotUtf8),
    }
}

fn close_code_of(payload: &[u8]) -> Result<Option<u16>, Violation> {
    match payload {
        [] => Ok(None),
        [high, low, reason @ ..] => {
            std::str::from_utf8(reason).map_err(|_| Violation::NotUtf8)?;
            let code = u16::from_be_bytes([*high, *low]);
            // Codes a peer may send (RFC 6455 §7.4: 1004-1006 and 1015 are reserved).
            if !matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999) {
                return Err(Violation::Protocol("a close code a peer may not send"));
            }
            Ok(Some(code))
        }
        [_] => Err(Violation::Protocol("a close payload of one byte")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client frame as a browser sends it: masked with `mask`.
    fn client_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [0x12, 0x34, 0x56, 0x78];
        let mut frame = vec![(if fin { 0x80 } else { 0 }) | opcode];
        match payload.len() {
            short @ 0..=125 => frame.push(0x80 | short as u8),
            medium @ 126..=0xFFFF => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(medium as u16).to_be_bytes());
            }
            long => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(long as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        frame
    }

    #[test]
    fn server_frames_carry_the_length_in_the_shortest_form() {
        assert_eq!(&text("hi")[..], &[0x81, 2, b'h', b'i']);
        let medium = text(&"x".repeat(300));
        assert_eq!(&medium[..4], &[0x81, 126, 0x01, 0x2C]);
        let long = text(&"x".repeat(70_000));
        assert_eq!(&long[..2], &[0x81, 127]);
        assert_eq!(long.len(), 10 + 70_000);
        assert_eq!(&close(1009, "too big")[..4], &[0x88, 9, 0x03, 0xF1]);
    }

    #[test]
    fn a_message_split_across_reads_and_fragments_is_reassembled() {
        let mut reader = ClientReader::new(64 * 1024);
        let mut bytes = client_frame(false, OP_TEXT, b"{\"listen\":");
        bytes.extend(client_frame(true, OP_PING, b"p"));
        bytes.extend(client_frame(true, OP_CONTINUATION, b"\"cart_activity\"}"));
        let (first, rest) = bytes.split_at(5);
        reader.extend(first);
        assert_eq!(reader.next_message(), Ok(None));
        reader.extend(rest);
        assert_eq!(
            reader.next_message(),
            Ok(Some(ClientMessage::Ping(b"p".to_vec())))
        );
        assert_eq!(
            reader.next_message(),
            Ok(Some(ClientMessage::Text(
                r#"{"listen":"cart_activity"}"#.into()
            )))
        );
        assert_eq!(reader.next_message(), Ok(None));
    }

    #[test]
    fn an_oversized_message_is_refused_from_its_header_alone() {
        let mut reader = ClientReader::new(64 * 1024);
        let frame = client_frame(true, OP_TEXT, &vec![b'x'; 64 * 1024 + 1]);
        reader.extend(&frame[..14]);
        assert_eq!(reader.next_message(), Err(Violation::TooBig));

        let mut reader = ClientReader::new(64 * 1024);
        reader.extend(&client_frame(false, OP_TEXT, &vec![b'x'; 40 * 1024]));
        reader.extend(&client_frame(true, OP_CONTINUATION, &vec![b'x'; 30 * 1024])[..14]);
        assert_eq!(reader.next_message(), Err(Violation::TooBig));
    }

    #[test]
    fn unmasked_frames_bad_text_and_unknown_opcodes_are_violations() {
        let mut reader = ClientReader::new(1024);
        reader.extend(&[0x81, 0x02, b'h', b'i']);
        assert!(matches!(reader.next_message(), Err(Violation::Protocol(_))));

        let mut reader = ClientReader::new(1024);
        reader.extend(&client_frame(true, OP_TEXT, &[0xFF, 0xFE]));
        assert_eq!(reader.next_message(), Err(Violation::NotUtf8));

        let mut reader = ClientReader::new(1024);
        reader.extend(&client_frame(true, 0x3, b""));
        assert!(matches!(reader.next_message(), Err(Violation::Protocol(_))));
    }

    #[test]
    fn a_close_frame_gives_its_code_and_binary_messages_are_reported() {
        let mut reader = ClientReader::new(1024);
        reader.extend(&client_frame(true, OP_BINARY, b"\x00\x01"));
        reader.extend(&client_frame(true, OP_CLOSE, &1000u16.to_be_bytes()));
        assert_eq!(
            reader.next_message(),
            Ok(Some(ClientMessage::Binary(vec![0, 1])))
        );
        assert_eq!(
            reader.next_message(),
            Ok(Some(ClientMessage::Close(Some(1000))))
        );
        let mut reader = ClientReader::new(1024);
        reader.extend(&client_frame(true, OP_CLOSE, &1005u16.to_be_bytes()));
        assert!(matches!(reader.next_message(), Err(Violation::Protocol(_))));
        assert_eq!(&close_reply(Some(4000))[..], &[0x88, 2, 0x0F, 0xA0]);
        assert_eq!(&close_reply(None)[..], &[0x88, 0]);
    }

    #[test]
    fn a_length_not_in_its_shortest_form_is_refused() {
        // 5 bytes announced with the 16-bit form, then with the 64-bit form.
        for header in [
            vec![0x81, 0x80 | 126, 0, 5],
            vec![0x81, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 5],
            vec![0x81, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF],
        ] {
            let mut reader = ClientReader::new(1024 * 1024);
            reader.extend(&header);
            reader.extend(&[0, 0, 0, 0]);
            assert_eq!(
                reader.next_message(),
                Err(Violation::Protocol("a length not in its shortest form")),
                "{header:?}"
            );
        }
    }

    #[test]
    fn invalid_text_fails_at_the_fragment_that_carries_it() {
        let mut reader = ClientReader::new(1024);
        // "κ" is CE BA: split across fragments it is fine...
        reader.extend(&client_frame(false, OP_TEXT, &[b'a', 0xCE]));
        assert_eq!(reader.next_message(), Ok(None));
        assert!(reader.fragment_open());
        reader.extend(&client_frame(true, OP_CONTINUATION, &[0xBA]));
        assert_eq!(
            reader.next_message(),
            Ok(Some(ClientMessage::Text("aκ".into())))
        );
        // ...but a byte that can never be UTF-8 fails before the message ends.
        reader.extend(&client_frame(false, OP_TEXT, &[b'a', 0xFF]));
        assert_eq!(reader.next_message(), Err(Violation::NotUtf8));
    }
}
