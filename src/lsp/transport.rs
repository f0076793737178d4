//! JSON-RPC framing over a byte stream: `Content-Length` headers, then a
//! JSON body.
//!
//! lsp-server's own stdio transport ends the connection at the first
//! malformed message and allocates whatever `Content-Length` claims; a
//! server that must outlive any input needs a reader that says what was
//! wrong and carries on, within bounds. The message types stay
//! lsp-server's.

use std::io::{self, BufRead, Read, Write};

use lsp_server::{ErrorCode, Message};

/// Largest message body read: a rule file of this size is far beyond any
/// real one, and the limit bounds what one message can make us allocate.
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// Longest header line read; real headers are under 100 bytes.
const MAX_HEADER_LINE: u64 = 1024;

/// What one read from the stream gave.
#[derive(Debug)]
pub enum Incoming {
    /// A well-formed message.
    Message(Message),
    /// Something that is not a message, with a JSON-RPC error code, why,
    /// and its id when it has a usable one; the stream goes on after it.
    Malformed(ErrorCode, String, Option<serde_json::Value>),
    /// The stream ended.
    End,
}

/// Reads the next message.
///
/// # Errors
/// Only when reading the stream fails.
pub fn read(input: &mut impl BufRead) -> io::Result<Incoming> {
    let mut length = None;
    let mut header_error = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = input.by_ref().take(MAX_HEADER_LINE).read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(Incoming::End);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => header_error = Some(format!("bad Content-Length `{}`", value.trim())),
                }
            }
            Some(_) => {}
            None => header_error = Some(format!("malformed header line `{text}`")),
        }
    }
    if let Some(why) = header_error {
        return Ok(Incoming::Malformed(ErrorCode::ParseError, why, None));
    }
    let Some(length) = length else {
        return Ok(Incoming::Malformed(
            ErrorCode::ParseError,
            "no Content-Length".to_owned(),
            None,
        ));
    };
    if length > MAX_MESSAGE_BYTES {
        io::copy(&mut input.by_ref().take(length as u64), &mut io::sink())?;
        let why = format!("message of {length} bytes, over the limit of {MAX_MESSAGE_BYTES}");
        return Ok(Incoming::Malformed(ErrorCode::InvalidRequest, why, None));
    }
    let mut body = Vec::new();
    input.by_ref().take(length as u64).read_to_end(&mut body)?;
    if body.len() < length {
        return Ok(Incoming::End);
    }
    let value = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(value) => value,
        Err(e) => {
            let why = format!("invalid JSON: {e}");
            return Ok(Incoming::Malformed(ErrorCode::ParseError, why, None));
        }
    };
    let id = value.get("id").filter(|id| id.is_number() || id.is_string()).cloned();
    // lsp-server tells messages apart by their fields alone, so a request
    // whose method is not a string would pass for a response.
    if value.get("method").is_some_and(|m| !m.is_string()) {
        let why = "the method is not a string".to_owned();
        return Ok(Incoming::Malformed(ErrorCode::InvalidRequest, why, id));
    }
    Ok(match serde_json::from_value::<Message>(value) {
        Ok(message) => Incoming::Message(message),
        Err(e) => Incoming::Malformed(ErrorCode::InvalidRequest, format!("not a message: {e}"), id),
    })
}

/// Writes one message.
///
/// # Errors
/// When writing fails.
pub fn write(output: &mut impl Write, message: &Message) -> io::Result<()> {
    message.write(output)
}

/// Writes the error response to a message that could not be read, with
/// its id if it had one, else `null` as JSON-RPC says (which lsp-server's
/// types cannot hold).
///
/// # Errors
/// When writing fails.
pub fn write_unreadable(
    output: &mut impl Write,
    code: ErrorCode,
    why: &str,
    id: Option<serde_json::Value>,
) -> io::Result<()> {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code as i32, "message": why },
    })
    .to_string();
    write!(output, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn bad_frames_are_reported_and_the_stream_goes_on() {
        let ok = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let stream = format!(
            "{}{}Content-Length: x\r\n\r\n{}Content-Length: 999999999999\r\n\r\n{}",
            frame("{not json"),
            frame(r#"{"id":true}"#),
            frame(ok),
            frame(ok),
        );
        let mut input = stream.as_bytes();
        let mut kinds = Vec::new();
        loop {
            match read(&mut input).unwrap() {
                Incoming::End => break,
                Incoming::Message(_) => kinds.push("message".to_owned()),
                Incoming::Malformed(code, _, _) => kinds.push(format!("{code:?}")),
            }
        }
        // Bad JSON, a non-message, a bad length, a good message, and a
        // length over the limit, whose body is skipped.
        assert_eq!(
            kinds,
            ["ParseError", "InvalidRequest", "ParseError", "message", "InvalidRequest"]
        );
    }
}
