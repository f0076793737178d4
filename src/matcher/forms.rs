//! Expanding a pattern and its modifiers into forms: the concrete byte
//! strings or byte regexes it stands for.
//!
//! `"ab" ascii wide` has two forms (`ab` and `a\0b\0`); `"ab" base64` has
//! three (one per alignment of the text in the encoded stream); a regex with
//! `wide` becomes a widened regex. `xor` and `nocase` stay properties of a
//! literal form (checked while comparing) instead of 256 or 2^n separate
//! forms; only their atoms are expanded.

use regex_syntax::hir::Hir;
use serde::{Deserialize, Serialize};

use super::atoms::{self, AtomVariant};
use super::regex::WideWordEdges;
use super::verify::{self, RegexVerifier};
use super::{MatcherLimits, PatternError, PatternSpec, base64, hex, regex};
use crate::parser::ast::{ModifierKind, PatternValue};

/// One concrete form of a pattern.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Form {
    /// Index of the pattern this form belongs to.
    pub pattern: usize,
    /// How a candidate is verified.
    pub kind: FormKind,
    /// `fullword`: the width in bytes of the characters around a match that
    /// must not be alphanumeric (1 for ascii, 2 for wide forms).
    pub fullword: Option<usize>,
    /// The atoms that find candidates; empty when the form has none and is
    /// searched on its own. Only read while the search is built, and
    /// emptied then (the search keeps what it needs), so not stored.
    #[serde(skip)]
    pub atoms: Vec<AtomVariant>,
    /// Word assertions checked on wide characters around a match.
    pub wide_word_edges: WideWordEdges,
}

impl Form {
    /// What the first (up to [`verify::MASKED_BYTES`], one machine word)
    /// bytes from where an atom places the
    /// form must be, as (value, mask) pairs (`byte & mask == value & mask`):
    /// exact bytes, case pairs (`nocase`, mask `0xDF`), nibbles; a cheap
    /// first test of a candidate.
    pub(crate) fn masks_at_atom(&self, xor_key: Option<u8>) -> Vec<(u8, u8)> {
        match &self.kind {
            FormKind::Literal(literal) => literal
                .bytes
                .iter()
                .take(verify::MASKED_BYTES)
                .map(|&byte| match literal.nocase && byte.is_ascii_alphabetic() {
                    true => (byte, 0xDF),
                    false => (byte ^ xor_key.unwrap_or(0), 0xFF),
                })
                .collect(),
            FormKind::Regex(verifier) => verifier.masks_at_atom().to_vec(),
        }
    }
}

/// How a form matches.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum FormKind {
    /// A fixed byte string.
    Literal(Literal),
    /// A byte regex (regex and hex patterns).
    Regex(Box<RegexVerifier>),
}

/// A fixed byte string, compared under a case and xor rule.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Literal {
    /// The bytes before any xor.
    #[serde(with = "crate::byte_strings::bytes")]
    pub bytes: Vec<u8>,
    /// ASCII letters compare case-insensitively.
    pub nocase: bool,
    /// The `xor` key range, inclusive.
    pub xor: Option<(u8, u8)>,
    /// For a base64 form, what the data around a match must decode to.
    pub base64: Option<Box<base64::DecodeCheck>>,
}

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
        let mut modifiers = Modifiers::default();
        for modifier in spec.modifiers {
            match &modifier.kind {
                ModifierKind::Nocase => modifiers.nocase = true,
                ModifierKind::Wide => modifiers.wide = true,
                ModifierKind::Ascii => modifiers.ascii = true,
                ModifierKind::Fullword => modifiers.fullword = true,
                ModifierKind::Private => {}
                ModifierKind::Xor { min, max } => {
                    if min > max {
                        return Err(PatternError::InvalidModifiers(format!(
                            "xor range {min}-{max} is empty"
                        )));
                    }
                    modifiers.xor = Some((*min, *max));
                }
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

    /// Refuses the combinations YARA refuses, for this kind of pattern.
    fn check(&self, value: &PatternValue) -> Result<(), PatternError> {
        let refuse = |what: &str| Err(PatternError::InvalidModifiers(what.to_owned()));
        match value {
            PatternValue::Hex(_)
                if self.nocase
                    || self.wide
                    || self.ascii
                    || self.fullword
                    || self.xor.is_some()
                    || self.any_base64() =>
            {
                refuse("hex strings accept only `private`")
            }
            PatternValue::Regex(_) if self.xor.is_some() || self.any_base64() => {
                refuse("regular expressions do not accept `xor` or `base64`")
            }
            _ if self.nocase && self.xor.is_some() => refuse("`xor` with `nocase`"),
            _ if self.any_base64() && (self.nocase || self.xor.is_some() || self.fullword) => {
                refuse("`base64` with `nocase`, `xor` or `fullword`")
            }
            _ => Ok(()),
        }
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
        Some(alphabet) if !base64::is_valid_alphabet(alphabet) => Err(
            PatternError::InvalidModifiers("a base64 alphabet has 64 distinct bytes".to_owned()),
        ),
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

/// Interleaves a zero after every byte: YARA's `wide`.
pub(crate) fn widen(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().flat_map(|&byte| [byte, 0]).collect()
}

/// Every form of pattern `index`.
pub(crate) fn expand(
    index: usize,
    spec: &PatternSpec,
    limits: &MatcherLimits,
) -> Result<Vec<Form>, PatternError> {
    let modifiers = Modifiers::read(spec)?;
    modifiers.check(spec.value)?;
    match spec.value {
        PatternValue::Text(text) if text.is_empty() => {
            Err(PatternError::InvalidPattern("empty text string".to_owned()))
        }
        PatternValue::Text(text) if modifiers.any_base64() => {
            base64_forms(index, text, &modifiers, limits)
        }
        PatternValue::Text(text) => modifiers
            .widths()
            .map(|width| {
                let bytes = match width {
                    Width::Ascii => text.clone(),
                    Width::Wide => widen(text),
                };
                let fullword = modifiers.fullword.then_some(width.bytes());
                let literal =
                    Literal { bytes, nocase: modifiers.nocase, xor: modifiers.xor, base64: None };
                literal_form(index, literal, fullword, limits)
            })
            .collect(),
        PatternValue::Hex(hex) => {
            let hir = hex::to_hir(hex)?;
            let edges = WideWordEdges::default();
            Ok(vec![regex_form(index, hir, None, edges, None, limits)?])
        }
        PatternValue::Regex(re) => {
            let hir = regex::parse(
                &re.pattern,
                re.case_insensitive || modifiers.nocase,
                re.dot_matches_new_line,
            )?;
            modifiers
                .widths()
                .map(|width| {
                    let (form_hir, word_edges) = match width {
                        Width::Ascii => (hir.clone(), WideWordEdges::default()),
                        Width::Wide => regex::widen_with_edges(&hir),
                    };
                    let fullword = modifiers.fullword.then_some(width.bytes());
                    let span = Some(limits.regex_scan_span);
                    regex_form(index, form_hir, fullword, word_edges, span, limits)
                })
                .collect()
        }
    }
}

/// The three alignments of `text` in a base64 stream. As in YARA-X, `wide`
/// and `ascii` choose the text that is encoded (`"abcd" base64 wide` finds
/// `YQBiAGMAZAA`, the encoding of `a\0b\0c\0d\0`), while `base64wide`
/// widens the encoding itself.
fn base64_forms(
    index: usize,
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
                forms.push(literal_form(index, literal, None, limits)?);
            }
        }
    }
    Ok(forms)
}

fn literal_form(
    pattern: usize,
    literal: Literal,
    fullword: Option<usize>,
    limits: &MatcherLimits,
) -> Result<Form, PatternError> {
    let atoms = atoms::literal_atoms(&literal, limits.max_atoms_per_form)?;
    Ok(Form {
        pattern,
        kind: FormKind::Literal(literal),
        fullword,
        atoms,
        wide_word_edges: WideWordEdges::default(),
    })
}

fn regex_form(
    pattern: usize,
    hir: Hir,
    fullword: Option<usize>,
    wide_word_edges: WideWordEdges,
    span: Option<usize>,
    limits: &MatcherLimits,
) -> Result<Form, PatternError> {
    if hir.properties().minimum_len() == Some(0) {
        return Err(PatternError::MatchesEmpty);
    }
    let checks_end = fullword.is_some() || wide_word_edges.end.is_some();
    let (verifier, atoms) = RegexVerifier::new(&hir, span, checks_end, limits)?;
    Ok(Form {
        pattern,
        kind: FormKind::Regex(Box::new(verifier)),
        fullword,
        atoms,
        wide_word_edges,
    })
}
