//! The compiled ruleset file: what `spoor compile` writes and
//! `spoor scan -C` reads.
//!
//! # Layout
//!
//! | bytes | content |
//! |---|---|
//! | 8 | [`MAGIC`] |
//! | 4 | [`FORMAT_VERSION`], little-endian |
//! | 32 | the spoor version that wrote the file, NUL-padded |
//! | 8 | payload length, little-endian |
//! | 4 | CRC-32 of the payload, little-endian |
//! | rest | payload: the [`Rules`] in postcard's encoding |
//!
//! A file is refused, with what is wrong and that it must be recompiled,
//! when its magic, format version or spoor version differ from this
//! build's, when it is shorter or longer than its header says, when the
//! checksum does not match, or when the payload does not decode. The
//! checksum catches damage, not forgery: like a program, a compiled ruleset
//! should come from a source one trusts. Even so, decoding a forged
//! payload does not panic or allocate more than the file's size (counts
//! are never trusted for sizing, nesting is bounded by
//! [`PAYLOAD_MAX_DEPTH`]), and the tables of the rules are checked against
//! each other before a scan can index them.
//!
//! # Why this format
//!
//! Loading must be fast: signature-base's 5,900 rules build in about 1.6 s
//! from text (0.9 s checking, the rest compiling about 12,000 regex and hex
//! forms into automata and choosing their atoms); YARA 4 loads its compiled
//! form in 16 ms. So the payload holds everything that is costly to derive
//! (the checked program, every pattern's forms with their atoms, the scan
//! plan), not the patterns' values (the forms stand for them), and none of
//! the automata: a regex form stores the compact bytes
//! of the HIRs its lazy DFAs are compiled from, and is compiled on its
//! first verification; condition regexes likewise. What is rebuilt on load
//! is the atom index, hash tables over the atoms of all forms, which takes
//! a few milliseconds. The payload is postcard (compact varints, variant
//! indexes, no field names: the fastest of the serde formats to decode,
//! and the serde derives keep it in step with the types); postcard does not
//! bound nesting, so decoding goes through [`depth_limit`].

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::regexes::ConditionRegexes;
use super::{PatternPlan, Rules, depth_limit};
use crate::attribution::indicators::IndicatorSet;
use crate::compiler::ir::FunctionRef;
use crate::modules::ModuleId;

/// The first bytes of every compiled ruleset.
pub const MAGIC: &[u8; 8] = b"SPOOR\0RS";

/// The version of the layout and payload encoding. Bump it whenever a
/// serialized type changes; the `format_fingerprint` test of this module
/// fails until one does.
pub const FORMAT_VERSION: u32 = 5;

/// This build's version, written into and expected in every file.
const SPOOR_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Bytes the spoor version takes in the header.
const VERSION_FIELD: usize = 32;

/// Bytes of the whole header, before the payload.
const HEADER_LEN: usize = MAGIC.len() + 4 + VERSION_FIELD + 8 + 4;

/// Deepest nesting of values the payload may have. A condition nests at
/// most 100 expressions (the parser's limit), each at most four values
/// deep (variant, fields, box or list, element), under a handful of levels
/// of rule set and rule; a hex string's alternatives nest likewise.
const PAYLOAD_MAX_DEPTH: usize = 1024;

/// Why a compiled ruleset was refused.
#[derive(Debug, thiserror::Error)]
pub enum CompiledError {
    /// The data does not start with [`MAGIC`].
    #[error("not a compiled spoor ruleset (it does not start with spoor's magic bytes)")]
    NotCompiled,
    /// The data ends before its header or payload does.
    #[error(
        "the compiled ruleset is truncated ({found} of {expected} bytes); recompile it with `spoor compile`"
    )]
    Truncated {
        /// Bytes the header announces (or the header's own size).
        expected: u64,
        /// Bytes there are.
        found: u64,
    },
    /// Bytes follow the announced payload.
    #[error(
        "the compiled ruleset has {extra} bytes past its end, so it is damaged; recompile it with `spoor compile`"
    )]
    TrailingBytes {
        /// How many.
        extra: u64,
    },
    /// Written in another layout.
    #[error(
        "the compiled ruleset has format version {found}, this spoor reads version {expected}; recompile it with `spoor compile`"
    )]
    FormatVersion {
        /// The file's format version.
        found: u32,
        /// This build's.
        expected: u32,
    },
    /// Written by another spoor version.
    #[error(
        "the compiled ruleset was written by spoor {found}, this is spoor {expected}; recompile it with `spoor compile`"
    )]
    SpoorVersion {
        /// The version in the file.
        found: String,
        /// This build's.
        expected: &'static str,
    },
    /// The payload's checksum does not match.
    #[error(
        "the compiled ruleset is damaged (its checksum does not match); recompile it with `spoor compile`"
    )]
    Checksum,
    /// The payload does not decode into rules.
    #[error("the compiled ruleset is damaged ({0}); recompile it with `spoor compile`")]
    Damaged(String),
    /// The rules could not be encoded.
    #[error("cannot encode the rules: {0}")]
    Encode(String),
}

/// Whether `data` starts like a compiled ruleset (checks the magic only).
#[must_use]
pub fn is_compiled(data: &[u8]) -> bool {
    data.starts_with(MAGIC)
}

impl Rules {
    /// The rules as a compiled ruleset file (see the module doc for the
    /// layout).
    ///
    /// # Errors
    /// [`CompiledError::Encode`] when the encoder fails, which it only does
    /// for a payload past 4 GiB.
    pub fn serialize(&self) -> Result<Vec<u8>, CompiledError> {
        let payload =
            postcard::to_allocvec(self).map_err(|e| CompiledError::Encode(e.to_string()))?;
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&version_field());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        Ok(out)
    }

    /// Loads rules written by [`Rules::serialize`], checking the header,
    /// the length and the checksum first.
    ///
    /// # Errors
    /// A [`CompiledError`] saying what is wrong with `data`.
    pub fn deserialize(data: &[u8]) -> Result<Rules, CompiledError> {
        let payload = checked_payload(data)?;
        let damaged = |e: postcard::Error| CompiledError::Damaged(e.to_string());
        let mut decoder = postcard::Deserializer::from_bytes(payload);
        let mut rules: Rules =
            depth_limit::deserialize(&mut decoder, PAYLOAD_MAX_DEPTH).map_err(damaged)?;
        let left = decoder.finalize().map_err(damaged)?.len();
        if left != 0 {
            return Err(CompiledError::Damaged(format!("{left} payload bytes left undecoded")));
        }
        rules.check_tables().map_err(|what| CompiledError::Damaged(what.to_owned()))?;
        rules.plan.indicators = IndicatorSet::recognize(&rules.program);
        rules.plan.derive_tables(&rules.program, rules.searched.pattern_count());
        rules.regexes = ConditionRegexes::deferred(
            rules.program.regexes.len(),
            rules.searched.limits().regex_size_limit,
        );
        Ok(rules)
    }

    /// Whether the tables indexed by rule, pattern and slot agree in size,
    /// so that no scan indexes past one.
    fn check_tables(&self) -> Result<(), &'static str> {
        let rules = self.program.rules.len();
        let patterns = self.program.patterns.len();
        let plan = &self.plan;
        let anchored = plan.plans.iter().filter(|p| matches!(p, PatternPlan::Anchored { .. }));
        let searched = self.searched.pattern_count();
        let checks = [
            (plan.globals.len() == rules, "global rule table"),
            (plan.required.len() == rules, "required pattern table"),
            (plan.guards.len() == rules, "input guard table"),
            (plan.plans.len() == patterns, "pattern plan table"),
            (anchored.count() == self.anchored.pattern_count(), "anchored pattern table"),
            (plan.globals.iter().flatten().all(|id| (id.0 as usize) < rules), "global rule id"),
            (
                plan.required.iter().flatten().flatten().all(|&slot| (slot as usize) < searched),
                "required search slot",
            ),
            (self.program.patterns.iter().all(|p| (p.rule.0 as usize) < rules), "pattern rule id"),
            (
                self.program.rules.iter().all(|rule| {
                    rule.patterns.start <= rule.patterns.end
                        && rule.patterns.end as usize <= patterns
                }),
                "rule pattern range",
            ),
            (
                plan.plans.iter().all(|p| match *p {
                    PatternPlan::Searched { slot } => slot < searched,
                    PatternPlan::Anchored { slot, .. } => slot < self.anchored.pattern_count(),
                }),
                "pattern plan slot",
            ),
        ];
        match checks.into_iter().find(|(holds, _)| !holds) {
            Some((_, what)) => Err(what),
            None => Ok(()),
        }
    }
}

/// The header's version field: this build's version, NUL-padded.
fn version_field() -> [u8; VERSION_FIELD] {
    let mut field = [0u8; VERSION_FIELD];
    let len = SPOOR_VERSION.len().min(VERSION_FIELD);
    field[..len].copy_from_slice(&SPOOR_VERSION.as_bytes()[..len]);
    field
}

/// The payload of `data` once its header, length and checksum check out.
fn checked_payload(data: &[u8]) -> Result<&[u8], CompiledError> {
    let magic_len = MAGIC.len().min(data.len());
    if data[..magic_len] != MAGIC[..magic_len] {
        return Err(CompiledError::NotCompiled);
    }
    let truncated = |expected: usize| CompiledError::Truncated {
        expected: expected as u64,
        found: data.len() as u64,
    };
    let Some(header) = data.get(..HEADER_LEN) else {
        return Err(truncated(HEADER_LEN));
    };
    let (_, rest) = header.split_at(MAGIC.len());
    let (format, rest) = rest.split_at(4);
    let (version, rest) = rest.split_at(VERSION_FIELD);
    let (length, checksum) = rest.split_at(8);
    let format = u32::from_le_bytes(format.try_into().unwrap_or_default());
    if format != FORMAT_VERSION {
        return Err(CompiledError::FormatVersion { found: format, expected: FORMAT_VERSION });
    }
    // The whole field, padding included, must be this build's.
    if version != version_field() {
        let found = String::from_utf8_lossy(version);
        return Err(CompiledError::SpoorVersion {
            found: found.trim_end_matches('\0').escape_debug().to_string(),
            expected: SPOOR_VERSION,
        });
    }
    let length = u64::from_le_bytes(length.try_into().unwrap_or_default());
    let available = (data.len() - HEADER_LEN) as u64;
    if length > available {
        return Err(CompiledError::Truncated {
            expected: length.saturating_add(HEADER_LEN as u64),
            found: data.len() as u64,
        });
    }
    if length < available {
        return Err(CompiledError::TrailingBytes { extra: available - length });
    }
    let payload = &data[HEADER_LEN..];
    if crc32fast::hash(payload).to_le_bytes() != checksum {
        return Err(CompiledError::Checksum);
    }
    Ok(payload)
}

/// A module function is stored by what resolves it (module, declared path,
/// overload) and resolved again on load, the pointer being this build's.
impl Serialize for FunctionRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.module, &*self.path, self.overload).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for FunctionRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (module, path, overload) = <(ModuleId, String, usize)>::deserialize(deserializer)?;
        FunctionRef::resolve(module, &path, overload)
            .ok_or_else(|| D::Error::custom("a function of an unknown module"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compiler::Compiler;

    /// Rules exercising every kind of pattern, modifier and expression the
    /// payload stores.
    const RULES: &str = r#"
        import "pe"
        import "math"
        global rule g { condition: filesize < 10MB }
        private rule p : t1 t2 {
            meta: s = "x" i = 1 b = true f = 1.5
            strings:
                $a = "text" ascii wide nocase fullword
                $b = { 4D 5A ?? [2-4] ( 01 | 02 ) ~03 4? }
                $c = /ab[cd]+?e{2,}?/is
                $d = "xored" xor(1-3)
                $e = "encoded text" base64 base64wide("ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjihgfedcba9876543210+/")
                $f = "MZ" private
            condition:
                $f at 0 and #a in (0..100) > 1 and @b[1] < 10 and !c[1] == 3
                and any of ($d, $e) and for all i in (1..2) : (uint16(i) != 0)
                and pe.is_pe and math.entropy(0, filesize) > 1.0
                and "abc" matches /b/ and with x = 2 : (x * 3 == 6)
        }
        rule r { condition: p and not g }
    "#;

    fn rules() -> Rules {
        let mut compiler = Compiler::new();
        let _ = compiler.add_source(RULES, "test.yar");
        compiler.build().unwrap()
    }

    /// A forged file whose conditions name patterns and regexes that do
    /// not exist (found by the `compiled_rules` fuzz target): loading and
    /// scanning must not index past the tables.
    #[test]
    fn ids_a_forged_condition_names_are_never_indexed() {
        use crate::compiler::ir::{Constant, Expr, PatternId, PatternRef, RegexId};
        use std::sync::Arc;
        let mut compiler = Compiler::new();
        let _ = compiler.add_source(
            r#"rule a { strings: $a = "abc" condition: $a or "abc" matches /b/ }"#,
            "forged.yar",
        );
        let mut rules = compiler.build().unwrap();
        rules.program.rules[0].condition = Expr::Or(vec![
            Expr::PatternMatch { pattern: PatternRef::Id(PatternId(35)), anchor: None },
            Expr::Matches {
                subject: Box::new(Expr::Const(Constant::String(Arc::from(&b"abc"[..])))),
                regex: RegexId(7),
            },
        ]);
        let loaded = Rules::deserialize(&rules.serialize().unwrap()).unwrap();
        let mut scanner = crate::Scanner::new(&loaded);
        assert!(scanner.scan_bytes(b"abc").unwrap().matching_rules().is_empty());
        rules.program.rules[0].patterns = 0..9;
        assert!(matches!(
            Rules::deserialize(&rules.serialize().unwrap()),
            Err(CompiledError::Damaged(_))
        ));
    }

    #[test]
    fn rules_survive_the_round_trip() {
        let rules = rules();
        let bytes = rules.serialize().unwrap();
        let loaded = Rules::deserialize(&bytes).unwrap();
        assert_eq!(loaded.serialize().unwrap(), bytes);
        // Pattern values are not stored: the compiled forms are.
        let mut program = rules.program.clone();
        program.patterns.iter_mut().for_each(|pattern| pattern.value = None);
        assert_eq!(format!("{:?}", loaded.program), format!("{:?}", program));
    }

    /// The payload of the reference rules, summed up: when it changes, a
    /// serialized type changed, and files of the old layout must be refused.
    /// Bump [`FORMAT_VERSION`] and set both numbers here.
    #[test]
    fn format_fingerprint() {
        const EXPECTED: (u32, u32) = (5, 524_288_186);
        let bytes = rules().serialize().unwrap();
        let found = (FORMAT_VERSION, crc32fast::hash(&bytes[HEADER_LEN..]));
        assert_eq!(
            found, EXPECTED,
            "the compiled format changed: bump FORMAT_VERSION and set EXPECTED to (version, {})",
            found.1
        );
    }

    #[test]
    fn headers_that_do_not_fit_are_refused() {
        let bytes = rules().serialize().unwrap();
        let refused = |data: &[u8]| Rules::deserialize(data).unwrap_err();
        assert!(matches!(refused(b"rule a { condition: true }"), CompiledError::NotCompiled));
        assert!(matches!(refused(&bytes[..20]), CompiledError::Truncated { .. }));
        assert!(matches!(refused(&bytes[..bytes.len() - 1]), CompiledError::Truncated { .. }));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(refused(&longer), CompiledError::TrailingBytes { extra: 1 }));
        let mut format = bytes.clone();
        format[8] ^= 1;
        assert!(matches!(refused(&format), CompiledError::FormatVersion { .. }));
        let mut version = bytes.clone();
        version[12] = b'9';
        assert!(matches!(refused(&version), CompiledError::SpoorVersion { .. }));
        let mut damaged = bytes.clone();
        *damaged.last_mut().unwrap() ^= 0x40;
        assert!(matches!(refused(&damaged), CompiledError::Checksum));
    }
}
