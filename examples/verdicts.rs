//! Which rules match which data, one request per line: the spoor side of
//! `scripts/differential_conditions.py`, which asks YARA-X the same
//! questions in-process and needs spoor's answers without a process (and a
//! rule file) per generated rule.
//!
//! Each input line is a JSON object `{"rules": TEXT, "data": HEX}`; each
//! output line is `{"matched": [NAME...]}` (in declaration order) or
//! `{"error": MESSAGE}` when the rules do not compile or the scan fails.

use std::io::{self, BufRead, Write};
use std::time::Duration;

use serde_json::{Value, json};
use spoor::{Compiler, Scanner};

fn main() -> io::Result<()> {
    let mut out = io::stdout().lock();
    for line in io::stdin().lock().lines() {
        let request: Value = serde_json::from_str(&line?).map_err(io::Error::other)?;
        let rules = request["rules"].as_str().unwrap_or_default();
        let data = decode_hex(request["data"].as_str().unwrap_or_default());
        writeln!(out, "{}", answer(rules, &data))?;
        out.flush()?;
    }
    Ok(())
}

fn answer(rules: &str, data: &[u8]) -> Value {
    let mut compiler = Compiler::new();
    compiler.add_source(rules, "generated.yar");
    let rules = match compiler.build() {
        Ok(rules) => rules,
        Err(errors) => {
            let first = errors.iter().find(|d| d.is_error()).map(|d| d.render());
            return json!({ "error": first.unwrap_or_default() });
        }
    };
    let mut scanner = Scanner::new(&rules);
    scanner.options_mut().timeout = Some(Duration::from_secs(5));
    match scanner.scan_bytes(data) {
        Ok(results) => {
            let names: Vec<&str> =
                results.matching_rules().iter().map(|m| m.rule.as_str()).collect();
            json!({ "matched": names })
        }
        Err(error) => json!({ "error": error.to_string() }),
    }
}

/// Bytes of a hex text (pairs of digits; anything else ends the data).
fn decode_hex(text: &str) -> Vec<u8> {
    text.as_bytes()
        .chunks_exact(2)
        .map_while(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}
