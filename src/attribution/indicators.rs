//! Indicator sets: hash rules recognised at compile time and matched with
//! one digest per file and one set lookup.
//!
//! Reporting publishes file hashes by the thousand, and the YARA way to
//! scan for them is one rule per hash:
//!
//! ```yara
//! rule IOC_1 { condition: hash.sha256(0, filesize) == "9f86d0..." }
//! ```
//!
//! Evaluated rule by rule, 100,000 of those cost 100,000 string
//! comparisons per file. Here every rule whose condition *requires* one of
//! a known set of whole-file digests ([`required_digests`]) is indexed by
//! digest. Per file, [`IndicatorSet::rules_to_evaluate`] hashes the data
//! once per algorithm in use, looks the digests up, and names the rules
//! the scan evaluates: every rule outside the set and the few indexed rules
//! whose digest is present. Those are evaluated normally, so their result
//! (filesize guards, `and`ed conditions, private and global rules) is
//! exactly what evaluation gives; every other indexed rule could not be
//! true, and the scan never looks at it, so a file costs the same with
//! 100,000 hash rules as with none but the digest.
//!
//! A condition requires a digest set when it is
//! * `hash.md5(0, filesize) == "<hex>"` (or `sha1`, `sha256`; either operand
//!   order): the digest of the whole input is always defined, and equal
//!   only to its own lowercase hex, so the literal is kept byte for byte
//!   (an upper-case literal is in the set but never found, as in YARA);
//! * `a or b or ...` where every operand requires a set: the union;
//! * `a and b and ...` where some operand requires one (`filesize < 1MB
//!   and hash.sha1(0, filesize) == "..."`): that operand's set.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::compiler::ir::{CmpOp, Constant, Expr, Program, RuleId};
use crate::matcher::deadline::Deadline;
use crate::modules::hash::Algorithm;
use crate::modules::{self, Value};

/// The digest algorithms an indicator rule may use, in the order their
/// digests are computed.
const ALGORITHMS: [(&str, Algorithm); 3] =
    [("md5", Algorithm::Md5), ("sha1", Algorithm::Sha1), ("sha256", Algorithm::Sha256)];

/// Rules that can only be true for inputs with one of a set of digests.
#[derive(Debug, Default)]
pub struct IndicatorSet {
    /// For each algorithm of [`ALGORITHMS`], the rules by hex digest.
    by_digest: [HashMap<Box<[u8]>, Vec<RuleId>>; 3],
    /// How many rules are indexed.
    indexed: usize,
    /// Every rule that is not indexed, in id order: evaluated on every
    /// input.
    unindexed: Vec<RuleId>,
}

impl IndicatorSet {
    /// Indexes every rule of `program` whose condition requires a digest.
    #[must_use]
    pub fn recognize(program: &Program) -> Self {
        let mut set = Self::default();
        for (index, rule) in program.rules.iter().enumerate() {
            let Ok(id) = u32::try_from(index).map(RuleId) else { break };
            let Some(digests) = required_digests(&rule.condition) else {
                set.unindexed.push(id);
                continue;
            };
            for (algorithm, hex) in digests {
                let rules = set.by_digest[algorithm].entry(hex.into()).or_default();
                if rules.last() != Some(&id) {
                    rules.push(id);
                }
            }
            set.indexed += 1;
        }
        set
    }

    /// How many rules the set indexes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.indexed
    }

    /// Whether no rule is indexed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.indexed == 0
    }

    /// The rules that can be true on `data`: every rule the set does not
    /// index, and the indexed rules that list one of `data`'s digests.
    /// Each algorithm in use hashes `data` once. When `deadline` passes
    /// while hashing, an unfinished digest says nothing: the indexed rules
    /// are left out undecided, and the other rules still get their chance
    /// to match before the scan stops.
    #[must_use]
    pub fn rules_to_evaluate(&self, data: &[u8], deadline: &Deadline) -> Selection<'_> {
        let mut candidates: Vec<RuleId> = Vec::new();
        for (slot, (_, algorithm)) in ALGORITHMS.iter().enumerate() {
            if self.by_digest[slot].is_empty() {
                continue;
            }
            let Some(digest) = algorithm.compute_until(data, deadline) else {
                return Selection { rules: Cow::Borrowed(&self.unindexed), complete: false };
            };
            let Value::String(hex) = digest else { continue };
            if let Some(rules) = self.by_digest[slot].get(hex.as_slice()) {
                candidates.extend(rules);
            }
        }
        if candidates.is_empty() {
            return Selection { rules: Cow::Borrowed(&self.unindexed), complete: true };
        }
        candidates.sort_unstable();
        candidates.dedup();
        // Candidates are few (one per matching digest): each goes into its
        // place among the other rules, with no sort of the whole list.
        let mut rules = Vec::with_capacity(self.unindexed.len() + candidates.len());
        let mut rest = self.unindexed.as_slice();
        for candidate in candidates {
            let (before, after) = rest.split_at(rest.partition_point(|&id| id < candidate));
            rules.extend_from_slice(before);
            rules.push(candidate);
            rest = after;
        }
        rules.extend_from_slice(rest);
        Selection { rules: Cow::Owned(rules), complete: true }
    }
}

/// The rules a scan evaluates, from [`IndicatorSet::rules_to_evaluate`].
#[derive(Debug, PartialEq, Eq)]
pub struct Selection<'s> {
    /// The rules that can be true, in id order; every other rule is false,
    /// or undecided when the selection is not complete.
    pub rules: Cow<'s, [RuleId]>,
    /// Whether every digest was computed before the deadline.
    pub complete: bool,
}

/// The whole-input digests (algorithm slot, lowercase hex as written) one
/// of which must be the input's for `condition` to hold, or `None` when
/// the condition does not have that shape (see the module doc).
#[must_use]
pub fn required_digests(condition: &Expr) -> Option<Vec<(usize, Vec<u8>)>> {
    match condition {
        Expr::Compare { op: CmpOp::Eq, lhs, rhs } => {
            whole_input_digest(lhs, rhs).or_else(|| whole_input_digest(rhs, lhs)).map(|d| vec![d])
        }
        Expr::Or(items) => {
            let mut all = Vec::new();
            for item in items {
                all.extend(required_digests(item)?);
            }
            (!all.is_empty()).then_some(all)
        }
        Expr::And(items) => items.iter().find_map(required_digests),
        _ => None,
    }
}

/// `hash.ALG(0, filesize)` compared with a string constant.
fn whole_input_digest(call: &Expr, value: &Expr) -> Option<(usize, Vec<u8>)> {
    let Expr::Const(Constant::String(hex)) = value else { return None };
    let Expr::Call { module, function, args } = call else { return None };
    if modules::get(*module).name() != "hash"
        || !matches!(args.as_slice(), [Expr::Const(Constant::Integer(0)), Expr::Filesize])
    {
        return None;
    }
    let slot = ALGORITHMS.iter().position(|(name, _)| **name == *function.path)?;
    Some((slot, hex.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compiler::Compiler;

    fn program(source: &str) -> Program {
        let mut compiler = Compiler::new();
        compiler.add_source(source, "t.yar");
        compiler.build().expect("valid rules").program().clone()
    }

    const HELLO_MD5: &str = "5d41402abc4b2a76b9719d911017c592";
    const HELLO_SHA256: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    #[test]
    fn recognises_hash_rules_and_leaves_the_rest() {
        let p = program(&format!(
            r#"import "hash"
            rule a {{ condition: hash.md5(0, filesize) == "{HELLO_MD5}" }}
            rule b {{ condition: "{HELLO_SHA256}" == hash.sha256(0, filesize) or hash.sha1(0, filesize) == "00" }}
            rule c {{ condition: filesize < 10 and (hash.md5(0, filesize) == "11" or hash.md5(0, filesize) == "22") }}
            rule d {{ condition: hash.md5(0, 4) == "{HELLO_MD5}" }}
            rule e {{ condition: hash.md5(0, filesize) == "{HELLO_MD5}" or filesize == 3 }}
            rule f {{ condition: hash.md5(0, filesize) != "{HELLO_MD5}" }}"#
        ));
        let set = IndicatorSet::recognize(&p);
        assert_eq!(set.len(), 3);
        let evaluated = |data: &[u8]| set.rules_to_evaluate(data, &Deadline::default());
        let ids = |ids: &[u32]| ids.iter().copied().map(RuleId).collect::<Vec<_>>();
        assert_eq!(*evaluated(b"hello").rules, ids(&[0, 1, 3, 4, 5]), "a and b list its digests");
        assert_eq!(*evaluated(b"other").rules, ids(&[3, 4, 5]), "the indexed rules are all false");
        assert!(evaluated(b"other").complete);
        let passed = Deadline::after(Some(std::time::Duration::ZERO), None);
        let unfinished = set.rules_to_evaluate(b"other", &passed);
        assert_eq!((&*unfinished.rules, unfinished.complete), (&ids(&[3, 4, 5])[..], false));
    }

    #[test]
    fn literals_are_kept_as_written() {
        let upper = HELLO_MD5.to_uppercase();
        let p = program(&format!(
            r#"import "hash" rule a {{ condition: hash.md5(0, filesize) == "{upper}" }}"#
        ));
        let set = IndicatorSet::recognize(&p);
        let evaluated = set.rules_to_evaluate(b"hello", &Deadline::default());
        assert_eq!(*evaluated.rules, [], "hash.md5 is lower case, so never equal");
    }
}
