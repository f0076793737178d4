//! Table-driven tests of the matcher's semantics. Every expectation was
//! confirmed with YARA-X through `scripts/yara_x_matches.py` (the comment on
//! each table row is the pattern as it reads in a rule).

use super::*;
use crate::parser::ast::{HexString, HexToken, Modifier, ModifierKind, PatternValue, Regex};
use crate::source::Span;

fn modifier(kind: ModifierKind) -> Modifier {
    Modifier { kind, span: Span::new(0, 0) }
}

/// Reads modifiers as written in a rule (`"nocase wide xor(1-2)"`).
pub(super) fn modifiers(text: &str) -> Vec<Modifier> {
    text.split_whitespace()
        .map(|word| {
            modifier(match word {
                "nocase" => ModifierKind::Nocase,
                "wide" => ModifierKind::Wide,
                "ascii" => ModifierKind::Ascii,
                "fullword" => ModifierKind::Fullword,
                "private" => ModifierKind::Private,
                "xor" => ModifierKind::Xor { min: 0, max: 255 },
                "base64" => ModifierKind::Base64 { alphabet: None },
                "base64wide" => ModifierKind::Base64Wide { alphabet: None },
                other if other.starts_with("base64") => {
                    let (kind, argument) = other.split_once("(\"").expect(other);
                    let alphabet = Some(argument.trim_end_matches("\")").as_bytes().to_vec());
                    match kind {
                        "base64" => ModifierKind::Base64 { alphabet },
                        _ => ModifierKind::Base64Wide { alphabet },
                    }
                }
                other => {
                    let range = other.strip_prefix("xor(").and_then(|r| r.strip_suffix(')'));
                    let (min, max) = range.and_then(|r| r.split_once('-')).expect(other);
                    ModifierKind::Xor { min: min.parse().unwrap(), max: max.parse().unwrap() }
                }
            })
        })
        .collect()
}

/// Reads a hex string body as written between the braces (`4D5A ?? [2-4]
/// ( 01 | ~02 )`, spaces optional between bytes).
pub(super) fn hex(body: &str) -> PatternValue {
    let mut tokens = Vec::new();
    let mut chars = body.chars().filter(|c| !c.is_whitespace()).peekable();
    while let Some(c) = chars.next() {
        let token: String = match c {
            '(' | ')' | '|' => c.to_string(),
            '[' => std::iter::once(c)
                .chain(chars.by_ref().take_while(|&c| c != ']'))
                .chain([']'])
                .collect(),
            '~' => [Some(c), chars.next(), chars.next()].into_iter().flatten().collect(),
            _ => [Some(c), chars.next()].into_iter().flatten().collect(),
        };
        tokens.push(token);
    }
    let mut position = 0;
    let parsed = hex_sequence(&tokens, &mut position);
    assert_eq!(position, tokens.len(), "unbalanced hex string {body}");
    PatternValue::Hex(HexString { tokens: parsed, span: Span::new(0, 0) })
}

fn hex_sequence(tokens: &[String], position: &mut usize) -> Vec<HexToken> {
    let mut sequence = Vec::new();
    while let Some(token) = tokens.get(*position) {
        match token.as_str() {
            ")" | "|" => break,
            "(" => {
                *position += 1;
                let mut alternatives = vec![hex_sequence(tokens, position)];
                while tokens[*position] == "|" {
                    *position += 1;
                    alternatives.push(hex_sequence(tokens, position));
                }
                sequence.push(HexToken::Alternatives(alternatives));
            }
            jump if jump.starts_with('[') => {
                let inner = &jump[1..jump.len() - 1];
                let (min, max) = inner.split_once('-').unwrap_or((inner, inner));
                sequence.push(HexToken::Jump {
                    min: min.parse().unwrap_or(0),
                    max: max.parse().ok(),
                    span: Span::new(0, 0),
                });
            }
            byte => {
                let (negated, digits) = match byte.strip_prefix('~') {
                    Some(rest) => (true, rest),
                    None => (false, byte),
                };
                let nibble = |c: char| c.to_digit(16).map_or((0, 0), |d| (d as u8, 0xF));
                let mut chars = digits.chars();
                let (high, high_mask) = nibble(chars.next().unwrap());
                let (low, low_mask) = nibble(chars.next().unwrap());
                let (value, mask) = (high << 4 | low, high_mask << 4 | low_mask);
                sequence.push(if negated {
                    HexToken::NotByte { value, mask }
                } else {
                    HexToken::Byte { value, mask }
                });
            }
        }
        *position += 1;
    }
    sequence
}

/// A regex as written between slashes, with its flags (`"i"`, `"s"`).
pub(super) fn regex(pattern: &str, flags: &str) -> PatternValue {
    PatternValue::Regex(Regex {
        pattern: pattern.to_owned(),
        case_insensitive: flags.contains('i'),
        dot_matches_new_line: flags.contains('s'),
        span: Span::new(0, 0),
    })
}

pub(super) fn text(bytes: &[u8]) -> PatternValue {
    PatternValue::Text(bytes.to_vec())
}

/// A match as `(offset, length, xor key)`.
type Triple = (usize, usize, Option<u8>);

/// The matches of one pattern.
fn scan_one(value: &PatternValue, modifier_text: &str, data: &[u8]) -> Vec<Triple> {
    let modifiers = modifiers(modifier_text);
    let spec = PatternSpec { value, modifiers: &modifiers };
    let matcher = Matcher::build(&[spec], &MatcherLimits::default()).expect("pattern compiles");
    let found = matcher.scan(data, &mut matcher.scratch());
    found.matches(0).iter().map(|m| (m.offset, m.length, m.xor_key)).collect()
}

fn build_error(value: &PatternValue, modifier_text: &str) -> PatternError {
    let modifiers = modifiers(modifier_text);
    let spec = PatternSpec { value, modifiers: &modifiers };
    let mut errors = Matcher::build(&[spec], &MatcherLimits::default()).expect_err("refused");
    errors.pop().expect("one error").1
}

type Case<'a> = (PatternValue, &'a str, &'a [u8], &'a [Triple]);

fn check(cases: &[Case]) {
    for (value, modifier_text, data, expected) in cases {
        assert_eq!(
            scan_one(value, modifier_text, data),
            *expected,
            "{value:?} {modifier_text} on {data:?}"
        );
    }
}

#[test]
fn text_patterns() {
    check(&[
        // "aa" overlapping
        (text(b"aa"), "", b"aaaa", &[(0, 2, None), (1, 2, None), (2, 2, None)]),
        // "ab" nocase
        (text(b"ab"), "nocase", b"AB aB ab", &[(0, 2, None), (3, 2, None), (6, 2, None)]),
        // "ab" wide
        (text(b"ab"), "wide", b"ab a\0b\0", &[(3, 4, None)]),
        // "ab" wide ascii
        (text(b"ab"), "wide ascii", b"ab a\0b\0", &[(0, 2, None), (3, 4, None)]),
        // "ab" private: matched like any other
        (text(b"ab"), "private", b"xab", &[(1, 2, None)]),
        // a pattern longer than the data
        (text(b"abcdef"), "", b"abc", &[]),
        // an atom window in the middle of a string with a zero run
        (text(b"\0\0\0\0\0MZ\x90\0"), "", b"x\0\0\0\0\0MZ\x90\0", &[(1, 9, None)]),
    ]);
}

#[test]
fn fullword() {
    check(&[
        // "ab" fullword, edges of the data count as boundaries
        (text(b"ab"), "fullword", b"ab xab ab1 ab", &[(0, 2, None), (11, 2, None)]),
        (text(b"ab"), "fullword", b"ab", &[(0, 2, None)]),
        // "ab" wide fullword: a wide character before or after fails it
        (
            text(b"ab"),
            "wide fullword",
            b"a\0b\0 x\0a\0b\0 \0a\0b\0",
            &[(0, 4, None), (13, 4, None)],
        ),
        // ... but a lone byte (no \0 after it) is no wide character
        (text(b"ab"), "wide fullword", b"a\0b\0c", &[(0, 4, None)]),
        (text(b"ab"), "wide fullword", b"a\0b\0c\0", &[]),
        (text(b"ab"), "wide fullword", b"ca\0b\0", &[(1, 4, None)]),
        (text(b"ab"), "wide fullword", b"c\0a\0b\0", &[]),
        // "ab" xor(1) fullword: the boundary is checked after undoing the key
        (text(b"ab"), "xor(1-1) fullword", b"\x60\x60\x63", &[]),
        (text(b"ab"), "xor(1-1) fullword", b"a\x60\x63", &[(1, 2, Some(1))]),
        // /ab/ fullword
        (regex("ab", ""), "fullword", b"ab xab", &[(0, 2, None)]),
    ]);
}

#[test]
fn xor() {
    check(&[
        // "ab" xor: key 0 is the plain text
        (text(b"ab"), "xor", b"ab", &[(0, 2, Some(0))]),
        (text(b"ab"), "xor", b"\x60\x63", &[(0, 2, Some(1))]),
        // "ab" xor(2-3): key 1 is out of range
        (text(b"ab"), "xor(2-3)", b"\x60\x63 \x63\x60", &[(3, 2, Some(2))]),
        // "ab" xor(1-2) wide: widened, then xored (the zeros become the key)
        (text(b"ab"), "xor(1-2) wide", b"\x60\x01\x63\x01", &[(0, 4, Some(1))]),
    ]);
}

#[test]
fn base64() {
    let data = b"VGhpcyBwcm9ncmFt VGhpcyBwcm9ncmFtIGNhbm5vdA== xxVGhpcyBwcm9ncmFt";
    check(&[
        // "This program" base64
        (text(b"This program"), "base64", data, &[(0, 16, None), (17, 16, None), (48, 16, None)]),
        // "abc" base64wide, base64 reported at the encoded bytes
        (text(b"abc"), "base64 base64wide", b"YWJj Y\0W\0J\0j\0", &[(0, 4, None), (5, 8, None)]),
        // `wide` widens the text before encoding, `base64wide` the encoding
        (text(b"abcd"), "base64 wide", b"YQBiAGMAZAA=", &[(0, 10, None)]),
        (text(b"abc"), "base64 ascii wide", b"Y\0W\0J\0j\0 YWJj", &[(9, 4, None)]),
    ]);
}

#[test]
fn base64_custom_alphabet() {
    // The standard alphabet rotated by one: "Man" is "TWFu" in standard
    // base64, so every character moves one place along the alphabet.
    let standard = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rotated = standard[1..].to_vec();
    rotated.push(standard[0]);
    let value = text(b"Man");
    let modifiers = [modifier(ModifierKind::Base64 { alphabet: Some(rotated) })];
    let spec = PatternSpec { value: &value, modifiers: &modifiers };
    let matcher = Matcher::build(&[spec], &MatcherLimits::default()).unwrap();
    let found = matcher.scan(b"..UXGv..TWFu", &mut matcher.scratch());
    assert_eq!(found.matches(0), [Match { offset: 2, length: 4, xor_key: None }]);
}

#[test]
fn hex_strings() {
    check(&[
        (hex("4D 5A"), "", b"xMZMZ", &[(1, 2, None), (3, 2, None)]),
        // masked nibbles and not-bytes
        (hex("4? ?A ~00"), "", b"\x41\x3A\x00\x4F\x0A\x01", &[(3, 3, None)]),
        (hex("~4? 62"), "", b"Ab\x01b", &[(2, 2, None)]),
        // jumps are lazy: { 61 [1-3] 62 } on "axbxb" is "axb"
        (hex("61 [1-3] 62"), "", b"axbxb", &[(0, 3, None)]),
        (hex("61 [2] 62"), "", b"axbxxb", &[]),
        (hex("61 [2] 62"), "", b"axxb", &[(0, 4, None)]),
        (hex("61 [-] 62"), "", b"a....b", &[(0, 6, None)]),
        (hex("61 [2-] 62"), "", b"axb axxb", &[(0, 8, None), (4, 4, None)]),
        // alternatives, nested, tried in order: { 61 ( 62 | 62 63 ) } gives 2
        (hex("61 ( 62 | 62 63 )"), "", b"abc", &[(0, 2, None)]),
        (
            hex("( 61 ( 62 | 63 ) | 64 ) 65"),
            "",
            b"abe ace de",
            &[(0, 3, None), (4, 3, None), (8, 2, None)],
        ),
        // a long jump whose atom is after it
        (hex("?? [0-5] 41 42 43 44"), "", b"xyzABCD", &[(0, 7, None), (1, 6, None), (2, 5, None)]),
    ]);
}

#[test]
fn hex_jump_beyond_regex_span() {
    // YARA-X matches { 61 62 [5000] 63 64 } across 5,000 bytes, unlike a
    // regex, whose scan stops 4,096 bytes from its atom.
    let mut data = b"ab".to_vec();
    data.extend(std::iter::repeat_n(b'x', 5000));
    data.extend(b"cd");
    assert_eq!(scan_one(&hex("61 62 [5000] 63 64"), "", &data), [(0, 5004, None)]);
    assert_eq!(scan_one(&regex("ab.{5000}cd", ""), "", &data), []);
}

#[test]
fn regexes() {
    check(&[
        // /b+/ reports every start, with the greedy length from there
        (regex("b+", ""), "", b"bbb", &[(0, 3, None), (1, 2, None), (2, 1, None)]),
        // /a.*?b/ lazy
        (regex("a.*?b", ""), "", b"aabab", &[(0, 3, None), (1, 2, None), (3, 2, None)]),
        // . excludes \n unless s
        (regex("a.b", ""), "", b"a\nb a\xffb", &[(4, 3, None)]),
        (regex("a.b", "s"), "", b"a\nb", &[(0, 3, None)]),
        // i, and nocase on a regex
        (regex("ab", "i"), "", b"AB", &[(0, 2, None)]),
        (regex("ab", ""), "nocase wide", b"A\0b\0", &[(0, 4, None)]),
        // \b
        (regex(r"\bab\b", ""), "", b"ab xab ab", &[(0, 2, None), (7, 2, None)]),
        (regex(r"\Bb", ""), "", b"ab b", &[(1, 1, None)]),
        // classes, \d \w \s, counted repetitions including {,m}
        (regex(r"[a-c]\d{2,3}", ""), "", b"a1 b12 c1234", &[(3, 3, None), (7, 4, None)]),
        (regex(r"x\w{,2}\s", ""), "", b"x \txab xabc ", &[(0, 2, None), (3, 4, None)]),
        // alternation with leftmost-first length: /a(b|bc)/ on "abc" is "ab"
        (regex("a(b|bc)", ""), "", b"abc", &[(0, 2, None)]),
        // anchors
        (regex("^ab", ""), "", b"abab", &[(0, 2, None)]),
        (regex("ab$", ""), "", b"abab", &[(2, 2, None)]),
        // \xHH bytes
        (regex(r"\x4d\x5a\x90", ""), "", b"MZ\x90", &[(0, 3, None)]),
        // a prefix before the atom, searched backwards
        (
            regex(r"\w+@example\.com", ""),
            "",
            b"to: bob@example.com",
            &[(4, 15, None), (5, 14, None), (6, 13, None)],
        ),
        // no atom at all: searched on its own
        (regex("[a-z]+[0-9]", ""), "", b"ab1 c", &[(0, 3, None), (1, 2, None)]),
        // an atom per alternative (none is common to both), and the
        // length is still the whole regex's, leftmost-first (as YARA-X)
        (
            regex("([a-z]{2}Wxyz|[a-z]{2}Wx[yz]{2}[0-9])", ""),
            "",
            b"..abWxyz5 cdWxzz1",
            &[(2, 6, None), (10, 7, None)],
        ),
        (
            regex("([a-z]{2}Wx[yz]{2}[0-9]|[a-z]{2}Wxyz)", ""),
            "",
            b"..abWxyz5 cdWxzz1",
            &[(2, 7, None), (10, 7, None)],
        ),
    ]);
}

#[test]
fn alternatives_without_a_common_atom_get_a_form_each() {
    let value = regex("([a-z]{2}Wxyz|[a-z]{2}Wx[yz]{2}[0-9])", "");
    let spec = PatternSpec { value: &value, modifiers: &[] };
    let matcher = Matcher::build(&[spec], &MatcherLimits::default()).expect("compiles");
    assert_eq!(matcher.forms.len(), 2);
    assert!(matcher.search.unatomized().is_empty());
    // Both forms verify the whole regex: `$a at N` asks one of them.
    assert_eq!(matcher.forms_of_pattern[0].len(), 1);
    let found = matcher.match_at(0, b"..abWxyz5", 2).expect("a match at 2");
    assert_eq!((found.offset, found.length), (2, 6));
}

#[test]
fn regex_scan_span_is_yara_x_s() {
    // /ab.*c/ matches across 4,093 filler bytes (length 4,096), not 4,094.
    for (filler, expected) in [(4093, vec![(0, 4096, None)]), (4094, vec![])] {
        let mut data = b"ab".to_vec();
        data.extend(std::iter::repeat_n(b'x', filler));
        data.push(b'c');
        assert_eq!(scan_one(&regex("ab.*c", ""), "", &data), expected, "{filler}");
    }
    // /a.*bc/ with its atom at the end reaches 4,096 bytes back from it.
    for (filler, expected) in [(4095, vec![(0, 4098, None)]), (4096, vec![])] {
        let mut data = b"a".to_vec();
        data.extend(std::iter::repeat_n(b'x', filler));
        data.extend(b"bc");
        assert_eq!(scan_one(&regex("a.*bc", ""), "", &data), expected, "{filler}");
    }
}

#[test]
fn refused_patterns() {
    let cases = [
        (regex("a(b", ""), "", "invalid regular expression"),
        (regex("a*", ""), "", "empty"),
        (hex("61 62"), "nocase", "modifier"),
        (text(b"ab"), "xor nocase", "modifier"),
        (text(b"ab"), "base64", "at least 3 bytes"),
        (regex("a+b*?", ""), "", "mixing greedy and non-greedy"),
        (regex("a{2}b*?", ""), "", "mixing greedy and non-greedy"),
        (hex("61 [0] 62"), "", "zero-length jump"),
        (text(b"abc"), "base64 fullword", "modifier"),
        (regex("ab", ""), "xor", "modifier"),
        (text(b""), "", "empty"),
    ];
    for (value, modifier_text, message) in cases {
        let error = build_error(&value, modifier_text).to_string();
        assert!(error.contains(message), "{value:?} {modifier_text}: {error}");
    }
}

#[test]
fn errors_name_every_failing_pattern() {
    let (good, bad) = (text(b"ok"), regex("(", ""));
    let specs = [
        PatternSpec { value: &bad, modifiers: &[] },
        PatternSpec { value: &good, modifiers: &[] },
        PatternSpec { value: &bad, modifiers: &[] },
    ];
    let errors = Matcher::build(&specs, &MatcherLimits::default()).unwrap_err();
    assert_eq!(errors.iter().map(|(index, _)| *index).collect::<Vec<_>>(), [0, 2]);
}

#[test]
fn many_patterns_share_one_pass() {
    let values = [text(b"alpha"), text(b"beta"), hex("62 65 ?? 61"), regex("al+pha", "")];
    let specs: Vec<PatternSpec> =
        values.iter().map(|value| PatternSpec { value, modifiers: &[] }).collect();
    let matcher = Matcher::build(&specs, &MatcherLimits::default()).unwrap();
    let found = matcher.scan(b"alpha beta alllpha", &mut matcher.scratch());
    let offsets = |pattern| found.matches(pattern).iter().map(|m| m.offset).collect::<Vec<_>>();
    assert_eq!(offsets(0), [0]);
    assert_eq!(offsets(1), [6]);
    assert_eq!(offsets(2), [6]);
    assert_eq!(offsets(3), [0, 11]);
}

#[test]
fn match_cap_is_recorded() {
    let value = text(b"a");
    let limits = MatcherLimits { max_matches_per_pattern: 10, ..MatcherLimits::default() };
    let matcher =
        Matcher::build(&[PatternSpec { value: &value, modifiers: &[] }], &limits).unwrap();
    let found = matcher.scan(&[b'a'; 100], &mut matcher.scratch());
    assert_eq!(found.matches(0).len(), 10);
    assert_eq!(found.matches(0)[9].offset, 9);
    assert!(found.hit_cap(0));
    assert_eq!(found.capped_patterns().collect::<Vec<_>>(), [0]);
    let below = matcher.scan(&[b'a'; 10], &mut matcher.scratch());
    assert!(!below.hit_cap(0));
}

#[test]
fn match_at_checks_one_offset() {
    let values = [text(b"MZ"), text(b"ab"), regex("b+", ""), hex("61 [1-2] 62")];
    let modifier_lists = [vec![], modifiers("xor wide"), vec![], vec![]];
    let specs: Vec<PatternSpec> = values
        .iter()
        .zip(&modifier_lists)
        .map(|(value, modifiers)| PatternSpec { value, modifiers })
        .collect();
    let matcher = Matcher::build(&specs, &MatcherLimits::default()).unwrap();
    let data = b"MZ\x60\x01\x63\x01bbaxxb";
    let found = |pattern, offset| matcher.match_at(pattern, data, offset);
    assert_eq!(found(0, 0), Some(Match { offset: 0, length: 2, xor_key: None }));
    assert_eq!(found(0, 1), None);
    assert_eq!(found(1, 2), Some(Match { offset: 2, length: 4, xor_key: Some(1) }));
    assert_eq!(found(2, 6), Some(Match { offset: 6, length: 2, xor_key: None }));
    assert_eq!(found(3, 8), Some(Match { offset: 8, length: 4, xor_key: None }));
    assert_eq!(found(3, 99), None);
    assert_eq!(found(9, 0), None);
}

#[test]
fn matcher_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    fn sent<T: Send>() {}
    shared::<Matcher>();
    shared::<ScanMatches>();
    sent::<Scratch>();
}

#[test]
fn empty_inputs() {
    let none = Matcher::build(&[], &MatcherLimits::default()).unwrap();
    assert_eq!(none.pattern_count(), 0);
    let found = none.scan(b"anything", &mut none.scratch());
    assert_eq!(found.matches(0), []);
    let value = text(b"ab");
    let one =
        Matcher::build(&[PatternSpec { value: &value, modifiers: &[] }], &MatcherLimits::default())
            .unwrap();
    assert_eq!(one.scan(b"", &mut one.scratch()).matches(0), []);
    assert_eq!(one.match_at(0, b"", 0), None);
    assert_eq!(one.match_at(0, b"ab", usize::MAX), None);
}

#[test]
fn scratch_from_another_matcher_still_works() {
    let (one, two) = (text(b"one"), text(b"two"));
    let first =
        Matcher::build(&[PatternSpec { value: &one, modifiers: &[] }], &MatcherLimits::default())
            .unwrap();
    let specs =
        [PatternSpec { value: &one, modifiers: &[] }, PatternSpec { value: &two, modifiers: &[] }];
    let second = Matcher::build(&specs, &MatcherLimits::default()).unwrap();
    let mut scratch = first.scratch();
    let found = second.scan(b"one two", &mut scratch);
    assert_eq!(found.matches(1).len(), 1);
}

/// Reads a pattern declaration as written after `$a =` in a rule.
fn declaration(text_form: &str) -> (PatternValue, Vec<Modifier>) {
    let (value, rest) = match text_form.as_bytes()[0] {
        b'"' => {
            let close = text_form[1..].find('"').expect("closing quote") + 1;
            (text(&text_form.as_bytes()[1..close]), &text_form[close + 1..])
        }
        b'{' => {
            let close = text_form.rfind('}').expect("closing brace");
            (hex(&text_form[1..close]), &text_form[close + 1..])
        }
        _ => {
            let close = text_form.rfind('/').expect("closing slash");
            let (flags, rest) =
                text_form[close + 1..].split_once(' ').unwrap_or((&text_form[close + 1..], ""));
            (regex(&text_form[1..close], flags), rest)
        }
    };
    (value, modifiers(rest))
}

/// Patterns of the differential cases where spoor knowingly differs from
/// YARA-X, with the reason. The test fails if any other case differs, and
/// if one of these stops differing (so the list stays true).
const KNOWN_DEVIATIONS: &[(&str, &str)] = &[
    // `\b`/`\B` inside a wide regex see the zero bytes (only the leading
    // and trailing ones are tested on wide characters).
    (r"/a\Bb/ wide", "interior wide word assertion"),
    (r"/(a|b)+\B.*\w*/ wide", "interior wide word assertion"),
    // When a regex's preferred match fails `fullword`, YARA-X's engine
    // backtracks into another length in an order spoor approximates
    // (longest other length for greedy regexes, shortest for lazy ones).
    (r"/[^a][^a]+/i ascii fullword", "fullword retry order"),
    (r"/_\s+?\W*?[^a]+?/s fullword", "fullword retry order"),
    (r"/_\w{1,3}?\B/s fullword ascii", "fullword retry order"),
    (r"/\w{1,3}?\W[^a]/s fullword", "fullword retry order"),
    // An xor text whose ascii and wide forms match at one offset: YARA-X
    // keeps the form its search finds first, here the wide one.
    (r#""1" xor(2-4) ascii wide"#, "ascii or wide form at one offset"),
];

/// One case of `scripts/matcher_cases.py`: a declaration, data, and YARA-X's
/// matches, `None` when YARA-X refuses the pattern.
type DifferentialCase = (String, Vec<u8>, Option<Vec<Triple>>);

fn differential_cases() -> Vec<DifferentialCase> {
    let cases: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("testdata/yara_x_cases.json")).expect("valid json");
    cases
        .iter()
        .map(|case| {
            let hex_data = case["data"].as_str().expect("data");
            let data = (0..hex_data.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex_data[i..i + 2], 16).expect("hex data"))
                .collect();
            let matches = case.get("matches").map(|matches| {
                let triple = |m: &serde_json::Value| {
                    let n = |i: usize| usize::try_from(m[i].as_u64().expect("number")).unwrap();
                    (n(0), n(1), m[2].as_u64().map(|key| u8::try_from(key).unwrap()))
                };
                matches.as_array().expect("array").iter().map(triple).collect()
            });
            (case["pattern"].as_str().expect("pattern").to_owned(), data, matches)
        })
        .collect()
}

/// All differential patterns in ONE matcher (shared atoms, shared
/// index entries) find, over the case data at once, what each finds
/// alone.
#[test]
fn shared_matcher_agrees_with_single_matchers() {
    let cases: Vec<_> = differential_cases()
        .into_iter()
        .filter(|(_, _, matches)| matches.is_some())
        .map(|(pattern, data, _)| (declaration(&pattern), data))
        .collect();
    // The data of the first cases is enough to exercise every pattern (the
    // whole of it makes the test slow in debug builds).
    let data: Vec<u8> = cases.iter().take(100).flat_map(|(_, data)| data.clone()).collect();
    let specs: Vec<PatternSpec> =
        cases.iter().map(|((value, modifiers), _)| PatternSpec { value, modifiers }).collect();
    let limits = MatcherLimits::default();
    let shared = Matcher::build(&specs, &limits).expect("all compile");
    let together = shared.scan(&data, &mut shared.scratch());
    for (index, spec) in specs.iter().enumerate() {
        let alone = Matcher::build(&[*spec], &limits).expect("compiles");
        let found = alone.scan(&data, &mut alone.scratch());
        assert_eq!(together.matches(index), found.matches(0), "{:?}", spec.value);
    }
}

/// The generated and hand-written cases of `scripts/matcher_cases.py`, with
/// YARA-X's answers: same matches, and a refusal where YARA-X refuses.
#[test]
fn yara_x_differential() {
    let cases = differential_cases();
    let mut mismatches = Vec::new();
    for (pattern, data, expected) in &cases {
        let pattern = pattern.as_str();
        let (value, modifiers) = declaration(pattern);
        let spec = PatternSpec { value: &value, modifiers: &modifiers };
        let got = match Matcher::build(&[spec], &MatcherLimits::default()) {
            Err(errors) => format!("error: {}", errors[0].1),
            Ok(matcher) => {
                let found = matcher.scan(data, &mut matcher.scratch());
                let triples: Vec<_> =
                    found.matches(0).iter().map(|m| (m.offset, m.length, m.xor_key)).collect();
                format!("{triples:?}")
            }
        };
        let expected = expected.as_ref().map_or_else(|| "error".to_owned(), |m| format!("{m:?}"));
        let agrees = if expected == "error" { got.starts_with("error") } else { got == expected };
        if !agrees {
            mismatches
                .push((pattern, format!("{pattern} on {data:?}: yara-x {expected}, spoor {got}")));
        }
    }
    let unexpected: Vec<&String> = mismatches
        .iter()
        .filter(|(pattern, _)| !KNOWN_DEVIATIONS.iter().any(|(known, _)| known == pattern))
        .map(|(_, report)| report)
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} of {} cases differ:\n{unexpected:#?}",
        unexpected.len(),
        cases.len()
    );
    for (known, reason) in KNOWN_DEVIATIONS {
        assert!(
            mismatches.iter().any(|(pattern, _)| pattern == known),
            "{known} ({reason}) now agrees"
        );
    }
}

#[test]
fn oversized_regexes_are_refused_not_built() {
    let error = build_error(&regex("(a{1000}){1000}", ""), "");
    assert!(matches!(error, PatternError::OverLimit(_)), "{error}");
}

#[test]
fn long_hex_jumps_stay_bounded() {
    let started = std::time::Instant::now();
    let value = hex("61 62 [0-60000] 63 64");
    let mut data = b"ab".to_vec();
    data.extend(std::iter::repeat_n(b'x', 50_000));
    data.extend(b"cd");
    // YARA-X: `0 50004`.
    let limits = MatcherLimits::default();
    let spec = PatternSpec { value: &value, modifiers: &[] };
    let matcher = Matcher::build(&[spec], &limits).expect("within the regex size limit");
    let found = matcher.scan(&data, &mut matcher.scratch());
    assert_eq!(found.matches(0), [Match { offset: 0, length: 50_004, xor_key: None }]);
    assert!(started.elapsed().as_secs() < 20, "took {:?}", started.elapsed());
}

/// Every regex and hex string of the signature-base corpus (read crudely,
/// one declaration per line) compiles — YARA and YARA-X accept them all —
/// and has an atom, so none is searched byte by byte.
#[test]
fn corpus_regexes_and_hex_strings_compile() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora/signature-base/yara");
    let Ok(entries) = std::fs::read_dir(corpus) else {
        eprintln!("note: {corpus} is absent, skipping");
        return;
    };
    let mut files: Vec<_> = entries.filter_map(|entry| Some(entry.ok()?.path())).collect();
    files.sort();
    let (mut compiled, mut failures) = (0, Vec::new());
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap_or_default();
        for line in source.lines() {
            let Some((name, rest)) = line.trim().split_once('=') else { continue };
            let rest = rest.trim();
            let is_pattern = name.trim().starts_with('$');
            let value = if is_pattern && rest.starts_with('{') && rest.contains('}') {
                let body = &rest[1..rest.find('}').unwrap()];
                // Comments inside hex strings are beyond this crude reader.
                if body.contains("//") || body.contains("/*") {
                    continue;
                }
                hex(body)
            } else if is_pattern && rest.starts_with('/') && rest.len() > 1 {
                let Some(close) = closing_slash(rest) else { continue };
                let flags = rest[close + 1..].split_whitespace().next().unwrap_or("");
                let flags = if flags.chars().all(|c| c == 'i' || c == 's') { flags } else { "" };
                regex(&rest[1..close], flags)
            } else {
                continue;
            };
            let spec = PatternSpec { value: &value, modifiers: &[] };
            match Matcher::build(&[spec], &MatcherLimits::default()) {
                Ok(matcher) if matcher.slow_patterns().is_empty() => compiled += 1,
                Ok(_) => failures.push(format!("{}: {line}: no atom", file.display())),
                Err(errors) => {
                    failures.push(format!("{}: {line}: {}", file.display(), errors[0].1))
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fail:\n{}",
        failures.len(),
        compiled + failures.len(),
        failures.join("\n")
    );
    assert!(compiled > 1000, "only {compiled} patterns read");
}

/// The index of the slash closing a regex literal that starts `text`.
fn closing_slash(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (index, c) in text.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '/' if !escaped => return Some(index),
            _ => escaped = false,
        }
    }
    None
}
