//! Hostile rule text never panics the parser and never makes it slow
//! (acceptance 5 of issue 2): at least 100,000 mutated and generated rule
//! texts, from corpus rules and from scratch, each parsed under a second.

use crate::util::rng::Rng;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use spoor::parser::parse;
use spoor::source::SourceFile;

/// Inputs per run. Debug builds are ten times slower, so a plain
/// `cargo test` runs a twentieth; CI (`cargo test --release`) runs them all.
const INPUTS: usize = if cfg!(debug_assertions) { 5_000 } else { 100_000 };

/// No input may take longer than this.
const TIME_LIMIT: Duration = Duration::from_secs(1);

/// Bytes that matter to the grammar, so mutations hit interesting paths.
const SYNTAX: &[u8] = b"(){}[]\"/\\$#@!*%.-~|&^<>=:,? \n0129afAFx_";

/// Individual rules of the corpus (split at `rule` keywords at line
/// starts), or a few built-in ones when the corpus is absent.
fn seeds() -> Vec<String> {
    let mut rules = Vec::new();
    if let Some(dir) = crate::util::signature_base().and_then(|d| std::fs::read_dir(d).ok()) {
        let mut paths: Vec<_> = dir.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let text =
                String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned();
            let starts: Vec<usize> = text.match_indices("\nrule ").map(|(i, _)| i + 1).collect();
            rules.extend(starts.windows(2).map(|w| text[w[0]..w[1]].to_owned()));
        }
    } else {
        eprintln!("note: fuzzing from built-in seeds only");
    }
    rules.push(
        "import \"pe\"\nrule r : t { meta: a = \"x\" b = -1 strings: $a = \"ab\\x41\" wide \
         $b = { 4D ?? [2-4] ( 01 | ~02 ) } $c = /a[b]+\\/c/is condition: for any i in (1..#a) : \
         (@a[i] < pe.entry_point) and 2 of ($a, $b*) and uint16(0) == 0x5A4D }"
            .to_owned(),
    );
    rules
}

/// One mutation of `seed`, sometimes spliced with `other`.
fn mutate(rng: &mut Rng, seed: &str, other: &str) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len());
        match rng.below(8) {
            0 => bytes.truncate(at),
            1 => {
                let from = rng.below(other.len());
                let to = (from + rng.below(200)).min(other.len());
                bytes.splice(at..at, other.as_bytes()[from..to].iter().copied());
            }
            2 => bytes.retain(|b| !b"(){}[]".contains(b) || rng.below(4) != 0),
            3 => {
                let end = (at + rng.below(40)).min(bytes.len());
                let _ = bytes.drain(at..end);
            }
            4 => {
                let end = (at + rng.below(40)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy.repeat(1 + rng.below(50)));
            }
            5 => {
                let open = SYNTAX[rng.below(6)];
                bytes.splice(at..at, std::iter::repeat_n(open, rng.below(5_000)));
            }
            6 if !bytes.is_empty() => bytes[at] = (rng.next() >> 56) as u8,
            _ if !bytes.is_empty() => {
                bytes[at] = SYNTAX[rng.below(SYNTAX.len())];
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Generated deep or long inputs of the kinds that break recursive parsers.
fn generated(rng: &mut Rng) -> String {
    let n = 1 + rng.below(20_000);
    let body = match rng.below(6) {
        0 => format!("{}true{}", "(".repeat(n), ")".repeat(rng.below(n + 1))),
        1 => vec!["true"; n].join([" and ", " or "][rng.below(2)]),
        2 => format!("{}true", "not ".repeat(n)),
        3 => format!("{}1 == 1", ["-", "~", "- ", "~ "][rng.below(4)].repeat(n)),
        4 => format!("{} == 1", vec!["1"; n].join([" + ", " * ", " | ", " << "][rng.below(4)])),
        _ => format!("x{} == 1", [".y", "[0]", "()"][rng.below(3)].repeat(n)),
    };
    format!(
        "rule g {{ strings: $a = {{ {}01{} }} condition: {body} }}",
        "( 02 | ".repeat(rng.below(50)),
        " )".repeat(rng.below(50))
    )
}

/// Parses `text`, returning how long it took, or the panic message.
fn parse_timed(text: String) -> Result<Duration, String> {
    let source = SourceFile::new("fuzz.yar", text);
    let start = Instant::now();
    catch_unwind(AssertUnwindSafe(|| parse(&source))).map_err(|panic| {
        let message = panic.downcast_ref::<&str>().map(|s| s.to_string());
        let message = message.or_else(|| panic.downcast_ref::<String>().cloned());
        format!(
            "{}: {:?}",
            message.unwrap_or_default(),
            &source.text()[..source.text().len().min(300)]
        )
    })?;
    Ok(start.elapsed())
}

#[test]
fn a_hundred_thousand_hostile_inputs_neither_panic_nor_stall() {
    let seeds = seeds();
    let mut rng = Rng(0x5EED_CAFE_F00D_0001);
    let mut slowest = Duration::ZERO;
    let mut failures = Vec::new();
    let started = Instant::now();
    for i in 0..INPUTS {
        let text = if i % 10 == 0 {
            generated(&mut rng)
        } else {
            let seed = &seeds[rng.below(seeds.len())];
            let other = &seeds[rng.below(seeds.len())];
            mutate(&mut rng, seed, other)
        };
        match parse_timed(text) {
            Ok(elapsed) => slowest = slowest.max(elapsed),
            Err(panic) => failures.push(panic),
        }
    }
    eprintln!("{INPUTS} inputs in {:?}, slowest {slowest:?}", started.elapsed());
    assert!(failures.is_empty(), "{} panics, first: {}", failures.len(), failures[0]);
    assert!(slowest < TIME_LIMIT, "slowest input took {slowest:?}");
}

#[test]
fn megabyte_inputs_parse_within_the_time_limit() {
    let seeds = seeds();
    let mut rng = Rng(0x5EED_0000_0000_0002);
    let whole: String = seeds.concat();
    for _ in 0..8 {
        let start = rng.below(whole.len().saturating_sub(1 << 20));
        let end = (start + (1 << 20)).min(whole.len());
        let chunk = whole.get(start..end).unwrap_or(&whole).to_owned();
        let text = mutate(&mut rng, &chunk, &seeds[0]);
        let text: String = text.chars().take(1 << 20).collect();
        let elapsed = parse_timed(text).unwrap_or_else(|panic| panic!("{panic}"));
        assert!(elapsed < TIME_LIMIT, "a 1 MB input took {elapsed:?}");
    }
}
