//! Atoms: short literals that every match of a form contains.
//!
//! Scanning finds every occurrence of the atoms of all forms of all
//! patterns in one pass; only where an atom occurs is a form verified. An atom is
//! therefore a promise — *every* match of the form contains this atom (or one
//! of this set of atoms) at a known place — and its quality decides the
//! speed of the scan: an atom that occurs everywhere (`00 00 00 00` in a PE
//! file, a single space in text) makes the verifier run everywhere.
//!
//! # Choosing an atom
//!
//! * A **literal form** (text, its wide, xor and base64 variants) slides a
//!   window of [`ATOM_LEN`] bytes over the string and keeps the best-scoring
//!   window; its offset in the string (`back`) locates the match start. For
//!   `nocase` the window's case variants are all atoms (at most 2⁴); for
//!   `xor` the window is xored with every key of the range (at most 256 per
//!   form, each atom remembering its key so the verifier needs no search).
//! * A **regex form** (regexes and hex strings, as a `regex_syntax` HIR)
//!   is flattened into the elements of its top-level concatenation
//!   (literals split into bytes). For each element `i`, the set of the first
//!   [`ATOM_LEN`] bytes that elements `i..` can match is computed when it is
//!   finite and small (literals, small classes such as `[aA]` or `4?`,
//!   alternations of those); the best set is kept. The elements before `i`
//!   form the *prefix*, which the verifier runs backwards from the atom.
//!   When an alternation's alternatives have no atom in common, each gets
//!   its own set and the regex one form per alternative (see
//!   [`regex_atom_plans`]).
//! * A **hex string** of byte runs and bounded jumps takes the best window
//!   of four exact bytes in any run (`chain.rs`).
//!
//! # Scoring
//!
//! The score of one atom is the sum of a per-byte rarity score plus a bonus
//! for distinct bytes; a set of atoms scores as its worst member minus a
//! penalty growing with the log of its size (each doubling of the set
//! roughly doubles the candidate hits). Both are heuristics in the spirit of
//! YARA's and boreal's atom quality, tuned for executables and text:
//!
//! * `00` and `FF` score lowest: padding and sign bytes dominate binaries;
//! * `20` (space), `90` (nop) and `CC` (int3 padding) are next;
//! * ASCII letters and digits are common in text and string tables;
//! * any other byte scores highest.
//!
//! A form whose best set scores below [`MIN_SET_QUALITY`] has no atom at
//! all: such sets (e.g. 256 alternatives for `.`) hit at nearly every
//! offset, and searching the form alone with its own regex engine is faster.

use regex_syntax::hir::{Class, Hir, HirKind};
use serde::{Deserialize, Serialize};

use super::PatternError;
use super::literal::Literal;

/// Bytes per atom. Four bytes make a random hit rare (one in 2³² offsets for
/// uniform data) while still fitting inside short patterns; longer atoms
/// add little selectivity and remove candidates from short patterns.
pub(crate) const ATOM_LEN: usize = 4;

/// Most alternatives one element may contribute when a regex atom set is
/// built (a nibble wildcard gives 16, a case-insensitive letter 2). Larger
/// classes are not worth enumerating: the set would score below
/// [`MIN_SET_QUALITY`] anyway.
const MAX_ELEMENT_SET: usize = 64;

/// Lowest score for which an atom set is used at all; see the module doc.
/// A single uncommon byte scores 4 + 2 = 6; a set of 64 such bytes loses
/// 2 × 6 = 12 and falls below, so `[^\n]`-like classes are never atoms.
const MIN_SET_QUALITY: i32 = 1;

/// One atom placed in a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AtomVariant {
    /// The bytes the scan looks for.
    pub bytes: Vec<u8>,
    /// Bytes from the start of the form to the atom: the candidate match
    /// starts `back` bytes before the atom (always 0 for regex forms, whose
    /// prefix is searched backwards instead).
    pub back: usize,
    /// For an xor form, the key this atom was xored with.
    pub xor_key: Option<u8>,
}

fn byte_score(byte: u8) -> i32 {
    match byte {
        0x00 | 0xFF => 1,
        0x20 | 0x90 | 0xCC => 2,
        byte if byte.is_ascii_alphanumeric() => 3,
        _ => 4,
    }
}

/// The score of one atom: rarity of its bytes plus 2 per distinct byte.
pub(crate) fn quality(atom: &[u8]) -> i32 {
    let mut seen = [false; 256];
    let mut distinct = 0;
    for &byte in atom {
        if !seen[usize::from(byte)] {
            seen[usize::from(byte)] = true;
            distinct += 1;
        }
    }
    atom.iter().copied().map(byte_score).sum::<i32>() + 2 * distinct
}

/// The penalty for a set of `size` alternatives: 2 per doubling.
fn set_penalty(size: usize) -> i32 {
    let doublings = usize::BITS - size.saturating_sub(1).leading_zeros();
    2 * i32::try_from(doublings).unwrap_or(i32::MAX / 4)
}

fn set_quality(atoms: &[Vec<u8>]) -> i32 {
    let worst = atoms.iter().map(|atom| quality(atom)).min().unwrap_or(0);
    worst - set_penalty(atoms.len())
}

/// Every spelling of `window` when ASCII letters may have either case.
fn case_variants(window: &[u8]) -> Vec<Vec<u8>> {
    let mut variants = vec![Vec::with_capacity(window.len())];
    for &byte in window {
        let (lower, upper) = (byte.to_ascii_lowercase(), byte.to_ascii_uppercase());
        if lower == upper {
            variants.iter_mut().for_each(|variant| variant.push(byte));
        } else {
            variants = variants
                .into_iter()
                .flat_map(|variant| {
                    [lower, upper].map(|case| {
                        let mut spelled = variant.clone();
                        spelled.push(case);
                        spelled
                    })
                })
                .collect();
        }
    }
    variants
}

/// The atoms of a literal form: its best window with every case and key
/// variant.
pub(crate) fn literal_atoms(
    literal: &Literal,
    max_atoms: usize,
) -> Result<Vec<AtomVariant>, PatternError> {
    let bytes = &literal.bytes;
    let len = ATOM_LEN.min(bytes.len());
    let score = |offset: usize| {
        let window = &bytes[offset..offset + len];
        if literal.nocase {
            let letters = window.iter().filter(|byte| byte.is_ascii_alphabetic()).count();
            quality(&window.to_ascii_lowercase()) - set_penalty(1 << letters)
        } else {
            quality(window)
        }
    };
    // `rev` so that ties keep the earliest window.
    let back = (0..=bytes.len() - len).rev().max_by_key(|&offset| score(offset)).unwrap_or(0);
    let window = &bytes[back..back + len];
    let spellings = if literal.nocase { case_variants(window) } else { vec![window.to_vec()] };
    let keys: Vec<Option<u8>> = match literal.xor {
        Some((min, max)) => (min..=max).map(Some).collect(),
        None => vec![None],
    };
    if spellings.len() * keys.len() > max_atoms {
        return Err(PatternError::OverLimit(format!(
            "{} atoms for one form, the limit is {max_atoms}",
            spellings.len() * keys.len()
        )));
    }
    Ok(spellings
        .iter()
        .flat_map(|spelling| {
            keys.iter().map(move |&xor_key| AtomVariant {
                bytes: spelling.iter().map(|&byte| byte ^ xor_key.unwrap_or(0)).collect(),
                back,
                xor_key,
            })
        })
        .collect())
}

/// The elements of `hir`'s top-level concatenation, literals split into
/// single bytes so that every byte offset can start an atom.
pub(crate) fn flatten(hir: &Hir) -> Vec<Hir> {
    let mut elements = Vec::new();
    flatten_into(hir, &mut elements);
    elements
}

fn flatten_into(hir: &Hir, elements: &mut Vec<Hir>) {
    match hir.kind() {
        HirKind::Concat(subs) => subs.iter().for_each(|sub| flatten_into(sub, elements)),
        HirKind::Capture(capture) => flatten_into(&capture.sub, elements),
        HirKind::Literal(literal) => {
            elements.extend(literal.0.iter().map(|&byte| Hir::literal([byte])));
        }
        _ => elements.push(hir.clone()),
    }
}

/// The (value, mask) pair of an element that matches exactly the bytes `b`
/// with `b & mask == value`: a byte, a case pair, a nibble, any byte.
pub(crate) fn byte_mask(element: &Hir) -> Option<(u8, u8)> {
    match element.kind() {
        HirKind::Literal(literal) if literal.0.len() == 1 => Some((literal.0[0], 0xFF)),
        HirKind::Class(Class::Bytes(class)) => {
            let first = class.ranges().first()?.start();
            let mut differing = 0u8;
            let mut size = 0usize;
            for range in class.ranges() {
                size += range.len();
                for byte in range.start()..=range.end() {
                    differing |= byte ^ first;
                }
            }
            (size == 1 << differing.count_ones()).then_some((first & !differing, !differing))
        }
        _ => None,
    }
}

/// The strings `hir` can match, if they are at most `limit` many.
fn finite_set(hir: &Hir, limit: usize) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Empty => Some(vec![Vec::new()]),
        HirKind::Literal(literal) => Some(vec![literal.0.to_vec()]),
        HirKind::Class(Class::Bytes(class)) => {
            let size: usize = class.ranges().iter().map(|range| range.len()).sum();
            (size <= limit).then(|| {
                class
                    .iter()
                    .flat_map(|range| range.start()..=range.end())
                    .map(|b| vec![b])
                    .collect()
            })
        }
        HirKind::Class(Class::Unicode(class)) => {
            let bytes: Vec<u8> = class
                .iter()
                .flat_map(|range| range.start()..=range.end())
                .take(limit + 1)
                .map(|c| u8::try_from(u32::from(c)).ok().filter(u8::is_ascii))
                .collect::<Option<_>>()?;
            (bytes.len() <= limit).then(|| bytes.into_iter().map(|b| vec![b]).collect())
        }
        HirKind::Capture(capture) => finite_set(&capture.sub, limit),
        HirKind::Concat(subs) => subs.iter().try_fold(vec![Vec::new()], |set, sub| {
            product(&set, &finite_set(sub, limit)?, usize::MAX, limit)
        }),
        HirKind::Alternation(subs) => {
            let mut union = Vec::new();
            for sub in subs {
                union.extend(finite_set(sub, limit)?);
                if union.len() > limit {
                    return None;
                }
            }
            Some(union)
        }
        HirKind::Repetition(repetition)
            if repetition.max == Some(repetition.min) && repetition.min as usize <= ATOM_LEN =>
        {
            let sub = finite_set(&repetition.sub, limit)?;
            (0..repetition.min)
                .try_fold(vec![Vec::new()], |set, _| product(&set, &sub, usize::MAX, limit))
        }
        _ => None,
    }
}

/// What every match of `hir` starts with when its strings are not a small
/// finite set: the start of one copy of a repetition of at least one copy
/// (`b+` starts with `b`, `(\xC6\x45.{2}){25}` with `C6 45`), the union of
/// the starts of alternatives, the start of a concatenation. What follows is
/// unknown, so the atom set cannot be extended past it.
fn mandatory_start(hir: &Hir, limit: usize) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Repetition(repetition) if repetition.min >= 1 => {
            atoms_at(&flatten(&repetition.sub), 0, limit)
        }
        HirKind::Capture(capture) => mandatory_start(&capture.sub, limit),
        HirKind::Concat(_) => atoms_at(&flatten(hir), 0, limit),
        HirKind::Alternation(subs) => {
            let mut union = Vec::new();
            for sub in subs {
                union.extend(atoms_at(&flatten(sub), 0, limit)?);
                if union.len() > limit {
                    return None;
                }
            }
            union.sort_unstable();
            union.dedup();
            Some(union)
        }
        _ => None,
    }
}

/// Every `a + b`, each cut to `cut` bytes, deduplicated; `None` past
/// `limit` strings.
fn product(left: &[Vec<u8>], right: &[Vec<u8>], cut: usize, limit: usize) -> Option<Vec<Vec<u8>>> {
    let mut joined = Vec::with_capacity(left.len() * right.len());
    for head in left {
        if head.len() >= cut {
            joined.push(head.clone());
            continue;
        }
        for tail in right {
            let mut string = head.clone();
            string.extend_from_slice(tail);
            string.truncate(cut);
            joined.push(string);
        }
    }
    joined.sort_unstable();
    joined.dedup();
    (joined.len() <= limit).then_some(joined)
}

/// The set of atoms for elements `start..`: the first [`ATOM_LEN`] bytes of
/// what they can match, extended element by element while that stays finite
/// and within `limit`.
fn atoms_at(elements: &[Hir], start: usize, limit: usize) -> Option<Vec<Vec<u8>>> {
    let mut set = vec![Vec::new()];
    for element in &elements[start..] {
        if set.iter().all(|atom: &Vec<u8>| atom.len() >= ATOM_LEN) {
            break;
        }
        if matches!(element.kind(), HirKind::Look(_)) {
            // Zero-width: the atom still starts where the set started.
            continue;
        }
        let element_limit = limit.min(MAX_ELEMENT_SET);
        let (next, complete) = match finite_set(element, element_limit) {
            Some(next) => (next, true),
            None => match mandatory_start(element, element_limit) {
                Some(next) => (next, false),
                None => break,
            },
        };
        match product(&set, &next, ATOM_LEN, limit) {
            Some(extended) => set = extended,
            None => break,
        }
        if !complete {
            break;
        }
    }
    set.iter().all(|atom| !atom.is_empty()).then_some(set)
}

/// The best atom set of a flattened regex: its score, the index of the
/// element it starts at and its atoms.
fn best_set(elements: &[Hir], limit: usize) -> Option<(i32, usize, Vec<Vec<u8>>)> {
    let mut best: Option<(i32, usize, Vec<Vec<u8>>)> = None;
    for start in 0..elements.len() {
        let Some(set) = atoms_at(elements, start, limit) else { continue };
        let score = set_quality(&set);
        if best.as_ref().is_none_or(|(best_score, _, _)| score > *best_score) {
            best = Some((score, start, set));
        }
    }
    best
}

/// Most alternatives of a top-level alternation that get atoms of their
/// own: each becomes a form carrying the whole regex, so the count is
/// kept small.
const MAX_BRANCHES: usize = 16;

/// How much better than the regex's own atom set the alternatives' sets
/// must score for the regex to be split into a form per alternative (about
/// one rare byte): the split costs a verifier per alternative.
const SPLIT_MARGIN: i32 = 4;

/// How candidates of a regex are found: one atom set over some of its
/// possible matches. A regex has one such plan, or one per alternative of
/// a top-level alternation (see [`regex_atom_plans`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AtomPlan {
    /// The concatenation the atoms were chosen in: the regex's top-level
    /// elements, with one alternation replaced by one of its alternatives.
    pub elements: Vec<Hir>,
    /// The index of the element the atoms start at; the elements before
    /// it are the prefix, searched backwards from an atom.
    pub split: usize,
    /// The atoms, each starting at element `split`.
    pub atoms: Vec<Vec<u8>>,
}

/// The atom plans of a regex, or none when no atom set is good enough
/// and the regex is searched on its own.
///
/// The atoms come from the top-level concatenation (see the module doc)
/// or, when that scores lower, from each alternative of one of its
/// alternations: `(Q29weS1J|[A-Za-z0-9+/]{2}[159BFJN]Db3B5)` has no atom
/// in common to its alternatives, but each has one of its own. Every match
/// of the regex is a match of some alternative, so the union of the plans'
/// candidates holds every match start; each candidate is verified with the
/// whole regex, which keeps its length the whole regex's (leftmost-first
/// among the alternatives), and the matches two plans find at one offset
/// are one.
pub(crate) fn regex_atom_plans(hir: &Hir, limit: usize) -> Vec<AtomPlan> {
    let elements = flatten(hir);
    let whole = best_set(&elements, limit);
    let whole_score = whole.as_ref().map_or(i32::MIN, |(score, _, _)| *score);
    let branches = (0..elements.len())
        .filter_map(|index| branch_plans(&elements, index, limit))
        .max_by_key(|(score, _)| *score)
        .filter(|(score, _)| *score > whole_score.saturating_add(SPLIT_MARGIN));
    match (branches, whole) {
        (Some((score, plans)), _) if score >= MIN_SET_QUALITY => plans,
        (None, Some((score, split, atoms))) if score >= MIN_SET_QUALITY => {
            vec![AtomPlan { elements, split, atoms }]
        }
        _ => Vec::new(),
    }
}

/// One plan per alternative of the alternation at `elements[index]`, and
/// their score: that of the union of their atom sets (the candidates of
/// the plans add up). `None` when the element is no alternation, has too
/// many alternatives, or one of them has no atom set.
fn branch_plans(elements: &[Hir], index: usize, limit: usize) -> Option<(i32, Vec<AtomPlan>)> {
    let alternatives = alternatives(&elements[index])?;
    if alternatives.len() > MAX_BRANCHES {
        return None;
    }
    let mut plans = Vec::with_capacity(alternatives.len());
    let mut worst = i32::MAX;
    let mut total = 0;
    for alternative in alternatives {
        let mut spliced = elements[..index].to_vec();
        flatten_into(alternative, &mut spliced);
        spliced.extend_from_slice(&elements[index + 1..]);
        let (_, split, atoms) = best_set(&spliced, limit)?;
        worst = worst.min(atoms.iter().map(|atom| quality(atom)).min().unwrap_or(0));
        total += atoms.len();
        plans.push(AtomPlan { elements: spliced, split, atoms });
    }
    (total <= limit).then(|| (worst - set_penalty(total), plans))
}

/// The alternatives of an alternation, also one inside a group.
fn alternatives(hir: &Hir) -> Option<&[Hir]> {
    match hir.kind() {
        HirKind::Alternation(subs) => Some(subs),
        HirKind::Capture(capture) => alternatives(&capture.sub),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_masks_describe_masked_classes_only() {
        let class = |ranges: &[(u8, u8)]| {
            let ranges =
                ranges.iter().map(|&(lo, hi)| regex_syntax::hir::ClassBytesRange::new(lo, hi));
            Hir::class(Class::Bytes(regex_syntax::hir::ClassBytes::new(ranges)))
        };
        assert_eq!(byte_mask(&Hir::literal([0x4D])), Some((0x4D, 0xFF)));
        assert_eq!(byte_mask(&class(&[(b'A', b'A'), (b'a', b'a')])), Some((b'A', 0xDF)));
        assert_eq!(byte_mask(&class(&[(0x40, 0x4F)])), Some((0x40, 0xF0)));
        assert_eq!(byte_mask(&class(&[(0, 0xFF)])), Some((0, 0)));
        assert_eq!(byte_mask(&class(&[(b'a', b'c')])), None);
        assert_eq!(byte_mask(&Hir::literal(*b"ab")), None);
    }

    fn literal(bytes: &[u8], nocase: bool, xor: Option<(u8, u8)>) -> Literal {
        Literal { bytes: bytes.to_vec(), nocase, xor, base64: None }
    }

    fn regex_hir(pattern: &str) -> Hir {
        super::super::regex::translate(pattern, Default::default()).unwrap()
    }

    #[test]
    fn rare_bytes_score_higher_than_padding() {
        assert!(quality(b"\x8b\x45\x08\x50") > quality(b"\x00\x00\x00\x00"));
        assert!(quality(b"abcd") > quality(b"aaaa"));
        assert!(quality(b"ab") < quality(b"abcd"));
    }

    #[test]
    fn literal_window_avoids_zero_runs() {
        let atoms =
            literal_atoms(&literal(b"\x00\x00\x00\x00\x00MZ\x90\x00x", false, None), 16).unwrap();
        assert_eq!(atoms.len(), 1);
        assert!(!atoms[0].bytes.starts_with(b"\x00\x00"), "{atoms:?}");
        let back = atoms[0].back;
        assert_eq!(&b"\x00\x00\x00\x00\x00MZ\x90\x00x"[back..back + 4], &atoms[0].bytes[..]);
    }

    #[test]
    fn nocase_and_xor_expand_variants() {
        let nocase = literal_atoms(&literal(b"ab1", true, None), 64).unwrap();
        let spelled: Vec<&[u8]> = nocase.iter().map(|atom| &atom.bytes[..]).collect();
        assert_eq!(spelled, [&b"ab1"[..], b"aB1", b"Ab1", b"AB1"]);
        let xored = literal_atoms(&literal(b"abcd", false, Some((1, 3))), 64).unwrap();
        assert_eq!(xored.len(), 3);
        assert_eq!(xored[1].bytes, b"c`af");
        assert_eq!(xored[1].xor_key, Some(2));
    }

    #[test]
    fn atom_limit_is_an_error() {
        let error = literal_atoms(&literal(b"abcd", false, Some((0, 255))), 100).unwrap_err();
        assert!(matches!(error, PatternError::OverLimit(_)));
    }

    /// The split and atoms of a regex's only plan.
    fn one_plan(pattern: &str) -> Option<(usize, Vec<Vec<u8>>)> {
        let plans = regex_atom_plans(&regex_hir(pattern), 256);
        assert!(plans.len() <= 1, "{plans:?}");
        plans.into_iter().next().map(|plan| (plan.split, plan.atoms))
    }

    #[test]
    fn regex_atoms_follow_the_best_element() {
        let (start, atoms) = one_plan(r"\w+@(mail|post)\.example").unwrap();
        assert!(start > 0, "the prefix \\w+ is searched backwards");
        assert!(atoms.iter().all(|atom| atom.len() == ATOM_LEN), "{atoms:?}");
    }

    #[test]
    fn alternation_gives_an_atom_set() {
        assert_eq!(one_plan("(foo|bar)"), Some((0, vec![b"bar".to_vec(), b"foo".to_vec()])));
    }

    #[test]
    fn repetitions_and_alternatives_give_their_start() {
        assert_eq!(one_plan(r"(\xC6\x45.{2}){25}"), Some((0, vec![b"\xC6\x45".to_vec()])));
        let (_, atoms) = one_plan(r"(\beval\(|\bassert\()").unwrap();
        assert_eq!(atoms, [b"asse".to_vec(), b"eval".to_vec()]);
    }

    #[test]
    fn alternatives_without_a_common_atom_get_their_own() {
        // The shape of base64-encoded keywords: each alternative starts
        // with a few characters of the alphabet, then a fixed run.
        let b64 = "[+/-9A-Za-z]";
        let pattern = format!(
            "x?(Q29weS1JdGVt|{b64}{b64}[159BFJNRVZdhlptx]Db3B5LUl0ZW|{b64}[0EUk]NvcHktSXRlb)"
        );
        let plans = regex_atom_plans(&regex_hir(&pattern), 256);
        assert_eq!(plans.len(), 3, "{plans:?}");
        for plan in &plans {
            assert_eq!(plan.atoms.len(), 1, "{plan:?}");
            assert!(plan.atoms[0].iter().all(u8::is_ascii_alphanumeric), "{plan:?}");
        }
        // The second alternative's prefix is the optional `x` and its
        // three classes.
        assert_eq!(plans[1].split, 4);
        assert_eq!(plans[1].elements.len(), 1 + 3 + 11);
    }

    #[test]
    fn one_alternative_without_an_atom_leaves_the_regex_without() {
        assert_eq!(one_plan("(Q29weS1JdGVt|[a-z]+)"), None);
    }

    #[test]
    fn any_byte_is_no_atom() {
        assert_eq!(one_plan("(?s).+"), None);
        assert_eq!(one_plan(r"\w+"), None);
    }
}
