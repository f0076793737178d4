//! Condition conformance: every case of `tests/data/eval/cases.txt` (rule
//! text, input, expected matching rules) compiled and scanned by spoor. The
//! expectations were confirmed against YARA-X by
//! `tests/eval_confirm_yara_x.py`.

use spoor::Scanner;
use spoor::compiler::Compiler;

const CASES: &str = include_str!("../data/eval/cases.txt");

/// Decodes the data field: `\xHH`, `\n` and `\\` escapes.
fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        if byte != b'\\' {
            out.push(byte);
            continue;
        }
        match rest {
            [b'x', hi, lo, tail @ ..] => {
                let hex = std::str::from_utf8(&[*hi, *lo]).unwrap().to_owned();
                out.push(u8::from_str_radix(&hex, 16).unwrap());
                rest = tail;
            }
            [b'n', tail @ ..] => {
                out.push(b'\n');
                rest = tail;
            }
            [b'\\', tail @ ..] => {
                out.push(b'\\');
                rest = tail;
            }
            _ => panic!("bad escape in {text:?}"),
        }
    }
    out
}

/// The names of the rules of `source` that match `data`.
fn matching(source: &str, data: &[u8]) -> Result<Vec<String>, String> {
    let mut compiler = Compiler::new();
    compiler.add_source(source, "<case>");
    let rules = compiler.build().map_err(|d| format!("{:?}", d[0]))?;
    let results = Scanner::new(&rules).scan_bytes(data).map_err(|e| e.to_string())?;
    Ok(results.matching_rules().iter().map(|m| m.rule.clone()).collect())
}

#[test]
fn conditions_evaluate_as_in_yara_x() {
    let mut failures = Vec::new();
    let mut total = 0;
    for (number, line) in CASES.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.splitn(3, '|').map(str::trim);
        let (expected, data, source) =
            (fields.next().unwrap(), fields.next().unwrap(), fields.next().unwrap());
        let expected: Vec<String> = match expected {
            "-" => Vec::new(),
            names => names.split(',').map(str::to_owned).collect(),
        };
        total += 1;
        match matching(source, &unescape(data)) {
            Ok(found) if found == expected => {}
            Ok(found) => failures.push(format!("line {}: got {found:?}: {source}", number + 1)),
            Err(error) => failures.push(format!("line {}: {error}: {source}", number + 1)),
        }
    }
    assert!(total > 150, "the case file was read");
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
