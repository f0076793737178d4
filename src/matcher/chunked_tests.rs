//! A search split into chunks finds exactly what one serial pass finds:
//! the same matches, offsets, lengths and xor keys, and the same matches
//! kept when a pattern reaches its cap, whatever the chunk length, for
//! matches that begin in one chunk and end several chunks later.

use super::tests::{hex, modifiers, regex, text};
use super::*;
use crate::parser::ast::{Modifier, PatternValue};

/// Bytes of filler from a small alphabet, so that short patterns match
/// by chance all over, with `planted` written at each of `at`.
fn input(len: usize, planted: &[(&[u8], usize)]) -> Vec<u8> {
    const ALPHABET: &[u8] = b"abyzPLND \0\x01W";
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut data: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ALPHABET[(state % ALPHABET.len() as u64) as usize]
        })
        .collect();
    for &(bytes, at) in planted {
        data[at..at + bytes.len()].copy_from_slice(bytes);
    }
    data
}

fn wide(text: &[u8]) -> Vec<u8> {
    text.iter().flat_map(|&byte| [byte, 0]).collect()
}

fn xored(text: &[u8], key: u8) -> Vec<u8> {
    text.iter().map(|byte| byte ^ key).collect()
}

/// Scans `data` serially and split in chunks of each of `chunk_lens` by
/// a pool of four threads, and asserts every split scan equals the serial one.
fn assert_chunked_equals_serial(
    patterns: &[(PatternValue, &str)],
    limits: &MatcherLimits,
    data: &[u8],
    chunk_lens: &[usize],
) -> ScanMatches {
    let modifier_lists: Vec<Vec<Modifier>> =
        patterns.iter().map(|(_, text)| modifiers(text)).collect();
    let specs: Vec<PatternSpec> = patterns
        .iter()
        .zip(&modifier_lists)
        .map(|((value, _), modifiers)| PatternSpec { value, modifiers })
        .collect();
    let matcher = Matcher::build(&specs, limits).expect("patterns compile");
    let serial = matcher.scan(data, &mut matcher.scratch());
    let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().expect("a pool");
    for &chunk_len in chunk_lens {
        let mut scratch = matcher.scratch();
        scratch.set_chunking(Some(Chunking { min_input: 0, chunk_len }));
        let chunked = pool.install(|| matcher.scan(data, &mut scratch));
        assert!(!scratch.stopped());
        assert_eq!(chunked, serial, "chunks of {chunk_len} bytes");
    }
    serial
}

#[test]
fn matches_across_chunk_edges_are_those_of_a_serial_pass() {
    let len = 96 * 1024;
    let message = b"the hidden message";
    let base64 = b"dGhlIGhpZGRlbiBtZXNzYWdl"; // "the hidden message"
    let planted: Vec<(Vec<u8>, usize)> = vec![
        // A long hex jump: from one chunk of 4 KiB to three chunks later.
        (b"PLANT".to_vec(), 4093),
        (b"DONE".to_vec(), 4093 + 13_000),
        // A regex within its 4,096-byte reach, across an edge.
        (b"begin:".to_vec(), 8190),
        (b":end".to_vec(), 8190 + 3000),
        (xored(b"xor secret", 0x5A), 12_286),
        (base64.to_vec(), 16_380),
        (wide(b"WIDE TEXT"), 20_475),
        (wide(message), 24_570),
        (message.to_vec(), 65_533),
    ];
    let planted: Vec<(&[u8], usize)> = planted.iter().map(|(b, at)| (b.as_slice(), *at)).collect();
    let data = input(len, &planted);
    let patterns = [
        (hex("50 4C 41 4E 54 [10000-20000] 44 4F 4E 45"), ""),
        (hex("50 4C [0-3] 4E"), ""),
        (regex("begin:.*:end", "s"), ""),
        (regex("[PL]{2}[a-z]{1,40}N", ""), "wide ascii"),
        (text(b"xor secret"), "xor"),
        (text(b"the hidden message"), "base64 ascii wide"),
        (text(b"WIDE TEXT"), "wide nocase"),
        (text(b"ab"), "fullword"),
        (text(b"zz"), "ascii wide"),
        (hex("4E ?? 44"), ""),
        (regex("y.z", "s"), ""),
    ];
    let serial = assert_chunked_equals_serial(
        &patterns,
        &MatcherLimits::default(),
        &data,
        &[1, 3, 4096, 4097, 10_000, 50_000],
    );
    for (pattern, name) in [(0, "hex jump"), (2, "regex"), (4, "xor"), (5, "base64"), (6, "wide")] {
        assert!(!serial.matches(pattern).is_empty(), "the planted {name} match is found");
    }
    assert!(serial.matches(0)[0].length > 13_000);
}

#[test]
fn capped_patterns_keep_the_matches_a_serial_pass_keeps() {
    // `a` in ascii and wide both match at a wide `a`, with two lengths:
    // which one is kept, and which offsets make the cap, depend on the
    // order the matches were found in.
    let data: Vec<u8> = b"a\0a\0aa\0ab\0".iter().copied().cycle().take(20_000).collect();
    let patterns = [(text(b"a"), "ascii wide"), (text(b"a\0"), ""), (regex("a.?b", "s"), "")];
    for cap in [1, 7, 100, 5000] {
        let limits = MatcherLimits { max_matches_per_pattern: cap, ..MatcherLimits::default() };
        let serial = assert_chunked_equals_serial(&patterns, &limits, &data, &[1, 5, 64, 4096]);
        assert!(serial.hit_cap(0) && serial.matches(0).len() == cap, "cap {cap}");
    }
}

#[test]
fn small_inputs_and_a_single_thread_are_searched_serially() {
    let chunking = Chunking { min_input: 100, chunk_len: 10 };
    assert_eq!(chunking.chunk_len_for(99), None);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a pool");
    assert_eq!(pool.install(|| chunking.chunk_len_for(100)), Some(10));
    assert_eq!(pool.install(|| Chunking { chunk_len: 100, ..chunking }.chunk_len_for(100)), None);
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a pool");
    assert_eq!(one.install(|| chunking.chunk_len_for(1000)), None);
}

/// Pattern 1 is wanted only where pattern 0 may match, as a rule
/// `$a and $b` with a slow `$b` is.
struct SecondNeedsFirst;

impl Wanted for SecondNeedsFirst {
    fn wanted(&self, _: usize) -> bool {
        true
    }

    fn still_wanted(&self, pattern: usize, may_match: &dyn Fn(usize) -> bool) -> bool {
        pattern != 1 || may_match(0)
    }
}

#[test]
fn a_form_without_atoms_is_skipped_once_the_atom_walk_rules_it_out() {
    let value_a = text(b"needle");
    let value_b = regex("[a-z]+[0-9]", "");
    let specs = [
        PatternSpec { value: &value_a, modifiers: &[] },
        PatternSpec { value: &value_b, modifiers: &[] },
    ];
    let matcher = Matcher::build(&specs, &MatcherLimits::default()).expect("patterns compile");
    assert_eq!(matcher.slow_patterns(), [1]);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().expect("a pool");
    for chunking in [None, Some(Chunking { min_input: 0, chunk_len: 7 })] {
        for (data, expected_b) in [(&b"ab1 cd2"[..], 0), (b"ab1 needle cd2", 4)] {
            let mut scratch = matcher.scratch();
            scratch.set_chunking(chunking);
            let found = pool.install(|| matcher.scan_wanted(data, &mut scratch, &SecondNeedsFirst));
            assert_eq!(found.matches(1).len(), expected_b, "{chunking:?} on {data:?}");
        }
    }
}
