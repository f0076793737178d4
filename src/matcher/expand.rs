//! Expanding a pattern and its modifiers into forms (see `forms.rs`).
//!
//! Which modifiers may be combined, and on which kind of pattern, is
//! decided in one place, [`crate::parser::modifiers`]: the parser reports
//! its problems with spans, and a pattern given to the matcher directly
//! is refused with the first of them. A base64 alphabet is checked here,
//! because the encoding cannot be built without 64 distinct bytes.

use regex_syntax::hir::{Hir, HirKind};

use super::atoms::{self, AtomVariant};
use super::chain::Chain;
use super::edges::Edges;
use super::forms::{Form, FormKind};
use super::literal::Literal;
use super::verify::RegexVerifier;
use super::wide::{WideWordEdges, widen, widen_with_edges};
use super::{MatcherLimits, PatternError, PatternSpec, base64, hex, regex};
use crate::parser::ast::{HexString, ModifierKind, PatternValue};
use crate::parser::modifiers;

/// The modifiers of one pattern, read once.
#[derive(Debug, Default)]
struct Modifiers {
    nocase: bool,
    wide: bool,
    ascii: bool,
    fullword: bool,
    xor: Option<(u8, u8)>,
    base64: Option<Option<Vec<u8>>>,
    base64wide: Option<Option<Vec<u8>>>,
}

impl Modifiers {
    fn read(spec: &PatternSpec) -> Result<Self, PatternError> {
        if let Some(problem) = modifiers::check(spec.value, spec.modifiers).into_iter().next() {
            return Err(PatternError::InvalidModifiers(problem.message));
        }
        let mut modifiers = Modifiers::default();
        for modifier in spec.modifiers {
            match &modifier.kind {
                ModifierKind::Nocase => modifiers.nocase = true,
                ModifierKind::Wide => modifiers.wide = true,
                ModifierKind::Ascii => modifiers.ascii = true,
                ModifierKind::Fullword => modifiers.fullword = true,
                ModifierKind::Private => {}
                ModifierKind::Xor { min, max } => modifiers.xor = Some((*min, *max)),
                ModifierKind::Base64 { alphabet } => {
                    modifiers.base64 = Some(checked_alphabet(alphabet)?);
                }
                ModifierKind::Base64Wide { alphabet } => {
                    modifiers.base64wide = Some(checked_alphabet(alphabet)?);
                }
            }
        }
        Ok(modifiers)
    }

    fn any_base64(&self) -> bool {
        self.base64.is_some() || self.base64wide.is_some()
    }

    /// The character widths to match: ascii unless only `wide` is given.
    fn widths(&self) -> impl Iterator<Item = Width> {
        let ascii = self.ascii || !self.wide;
        [(ascii, Width::Ascii), (self.wide, Width::Wide)]
            .into_iter()
            .filter_map(|(wanted, width)| wanted.then_some(width))
    }
}

fn checked_alphabet(alphabet: &Option<Vec<u8>>) -> Result<Option<Vec<u8>>, PatternError> {
    match alphabet {
        Some(alphabet) if !base64::is_valid_alphabet(alphabet) => {
            Err(PatternError::InvalidModifiers(
                "a base64 alphabet must have 64 distinct bytes".to_owned(),
            ))
        }
        other => Ok(other.clone()),
    }
}

/// Ascii or wide (UTF-16LE-style) characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Width {
    Ascii,
    Wide,
}

impl Width {
    fn bytes(self) -> usize {
        match self {
            Width::Ascii => 1,
            Width::Wide => 2,
        }
    }
}

/// Every form of a pattern (their pattern index is set when a matcher is
/// assembled).
pub(crate) fn expand(
    spec: &PatternSpec,
    limits: &MatcherLimits,
) -> Result<Vec<Form>, PatternError> {
    let modifiers = Modifiers::read(spec)?;
    match spec.value {
        PatternValue::Text(text) if text.is_empty() => {
            Err(PatternError::InvalidPattern("empty text string".to_owned()))
        }
        PatternValue::Text(text) if modifiers.any_base64() => {
            base64_forms(text, &modifiers, limits)
        }
        PatternValue::Text(text) => modifiers
            .widths()
            .map(|width| {
                let bytes = match width {
                    Width::Ascii => text.clone(),
                    Width::Wide => widen(text),
                };
                let edges = Edges {
                    fullword: modifiers.fullword.then_some(width.bytes()),
                    wide_words: WideWordEdges::default(),
                };
                let literal =
                    Literal { bytes, nocase: modifiers.nocase, xor: modifiers.xor, base64: None };
                literal_form(literal, edges, limits)
            })
            .collect(),
        PatternValue::Hex(hex) => hex_forms(hex, limits),
        PatternValue::Regex(re) => {
            let flags = regex::RegexFlags {
                case_insensitive: re.case_insensitive || modifiers.nocase,
                dot_matches_new_line: re.dot_matches_new_line,
            };
            let hir = regex::translate(&re.pattern, flags).map_err(PatternError::InvalidRegex)?;
            modifiers
                .widths()
                .map(|width| {
                    let (form_hir, wide_words) = match width {
                        Width::Ascii => (hir.clone(), WideWordEdges::default()),
                        Width::Wide => widen_with_edges(&hir),
                    };
                    let edges =
                        Edges { fullword: modifiers.fullword.then_some(width.bytes()), wide_words };
                    regex_forms(form_hir, edges, Some(limits.regex_scan_span), limits)
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|forms| forms.into_iter().flatten().collect())
        }
    }
}

/// The three alignments of `text` in a base64 stream. As in YARA-X, `wide`
/// and `ascii` choose the text that is encoded (`"abcd" base64 wide` finds
/// `YQBiAGMAZAA`, the encoding of `a\0b\0c\0d\0`), while `base64wide`
/// widens the encoding itself.
fn base64_forms(
    text: &[u8],
    modifiers: &Modifiers,
    limits: &MatcherLimits,
) -> Result<Vec<Form>, PatternError> {
    if text.len() < base64::MIN_TEXT_LEN {
        return Err(PatternError::InvalidPattern(format!(
            "`base64` needs a text of at least {} bytes",
            base64::MIN_TEXT_LEN
        )));
    }
    let plain = modifiers.base64.iter().map(|alphabet| (alphabet, Width::Ascii));
    let wide = modifiers.base64wide.iter().map(|alphabet| (alphabet, Width::Wide));
    let mut forms = Vec::new();
    for (alphabet, encoding_width) in plain.chain(wide) {
        for text_width in modifiers.widths() {
            let source = match text_width {
                Width::Ascii => text.to_vec(),
                Width::Wide => widen(text),
            };
            let wide = encoding_width == Width::Wide;
            for (encoded, check) in base64::shifted_encodings(&source, alphabet.as_deref(), wide) {
                let bytes = if wide { widen(&encoded) } else { encoded };
                let literal =
                    Literal { bytes, nocase: false, xor: None, base64: Some(Box::new(check)) };
                forms.push(literal_form(literal, Edges::default(), limits)?);
            }
        }
    }
    Ok(forms)
}

/// The form of a hex string: a literal when it is only exact bytes,
/// verified by one comparison; a chain when it is pieces and bounded jumps
/// (see `chain.rs`); a regex otherwise.
fn hex_forms(hex: &HexString, limits: &MatcherLimits) -> Result<Vec<Form>, PatternError> {
    let literal = |bytes: Vec<u8>| {
        let literal = Literal { bytes, nocase: false, xor: None, base64: None };
        literal_form(literal, Edges::default(), limits)
    };
    if let Some((chain, atom)) = Chain::from_hex(&hex.tokens) {
        let form = match chain.exact_bytes() {
            Some(bytes) => literal(bytes.to_vec())?,
            None => Form {
                pattern: 0,
                kind: FormKind::Chain(Box::new(chain)),
                edges: Edges::default(),
                atoms: vec![AtomVariant { bytes: atom, back: 0, xor_key: None }],
            },
        };
        return Ok(vec![form]);
    }
    let hir = hex::to_hir(hex)?;
    match hir.kind() {
        HirKind::Literal(bytes) => Ok(vec![literal(bytes.0.to_vec())?]),
        _ => regex_forms(hir, Edges::default(), None, limits),
    }
}

fn literal_form(
    literal: Literal,
    edges: Edges,
    limits: &MatcherLimits,
) -> Result<Form, PatternError> {
    let atoms = atoms::literal_atoms(&literal, limits.max_atoms_per_form)?;
    Ok(Form { pattern: 0, kind: FormKind::Literal(literal), edges, atoms })
}

/// The forms of a regex: one per atom plan of it (see
/// [`atoms::regex_atom_plans`]).
fn regex_forms(
    hir: Hir,
    edges: Edges,
    span: Option<usize>,
    limits: &MatcherLimits,
) -> Result<Vec<Form>, PatternError> {
    if hir.properties().minimum_len() == Some(0) {
        return Err(PatternError::MatchesEmpty);
    }
    let verifiers = RegexVerifier::new(&hir, span, edges.checks_end(), limits)?;
    Ok(verifiers
        .into_iter()
        .map(|(verifier, atoms)| Form {
            pattern: 0,
            kind: FormKind::Regex(Box::new(verifier)),
            edges,
            atoms,
        })
        .collect())
}
