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
//! digest. Per file, [`IndicatorSet::rule_out`] hashes the data once per
//! algorithm in use, looks the digests up, and reports every other indexed
//! rule as false before any condition is evaluated. The few rules whose
//! digest is present are evaluated normally, so their result (filesize
//! guards, `and`ed conditions, private and global rules) is exactly what
//! evaluation gives; the set only ever rules out rules that could not be
//! true.
//!
//! A condition requires a digest set when it is
//! * `hash.md5(0, filesize) == "<hex>"` (or `sha1`, `sha256`; either operand
//!   order): the digest of the whole input is always defined, and equal
//!   only to its own lowercase hex, so the literal is kept byte for byte
//!   (an upper-case literal is in the set but never found, as in YARA);
//! * `a or b or ...` where every operand requires a set: the union;
//! * `a and b and ...` where some operand requires one (`filesize < 1MB
//!   and hash.sha1(0, filesize) == "..."`): that operand's set.

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
    /// Every indexed rule, in id order.
    rules: Vec<RuleId>,
}

impl IndicatorSet {
    /// Indexes every rule of `program` whose condition requires a digest.
    #[must_use]
    pub fn recognize(program: &Program) -> Self {
        let mut set = Self::default();
        for (index, rule) in program.rules.iter().enumerate() {
            let Some(digests) = required_digests(&rule.condition) else { continue };
            let Ok(id) = u32::try_from(index).map(RuleId) else { break };
            for (algorithm, hex) in digests {
                let rules = set.by_digest[algorithm].entry(hex.into()).or_default();
                if rules.last() != Some(&id) {
                    rules.push(id);
                }
            }
            set.rules.push(id);
        }
        set
    }

    /// How many rules the set indexes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether no rule is indexed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Calls `rule_false` for every indexed rule that cannot be true on
    /// `data`: its digests do not include `data`'s. Each algorithm in use
    /// hashes `data` once. When `deadline` passes while hashing, no rule
    /// is ruled out: the scan is stopping, and an unfinished digest says
    /// nothing.
    pub fn rule_out(&self, data: &[u8], deadline: &Deadline, mut rule_false: impl FnMut(RuleId)) {
        if self.rules.is_empty() {
            return;
        }
        let mut candidates: Vec<RuleId> = Vec::new();
        for (slot, (_, algorithm)) in ALGORITHMS.iter().enumerate() {
            if self.by_digest[slot].is_empty() {
                continue;
            }
            let Some(digest) = algorithm.compute_until(data, deadline) else { return };
            let Value::String(hex) = digest else { continue };
            if let Some(rules) = self.by_digest[slot].get(hex.as_slice()) {
                candidates.extend(rules);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        // Both lists are in id order: one merge walk, no per-rule lookup.
        let mut next = candidates.iter().peekable();
        for &id in &self.rules {
            if next.next_if(|&&c| c == id).is_none() {
                rule_false(id);
            }
        }
    }
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
        assert_eq!(set.rules, [RuleId(0), RuleId(1), RuleId(2)]);
        let mut ruled_out = Vec::new();
        set.rule_out(b"hello", &Deadline::default(), |id| ruled_out.push(id));
        assert_eq!(ruled_out, [RuleId(2)], "a and b list hello's digests");
        ruled_out.clear();
        set.rule_out(b"other", &Deadline::default(), |id| ruled_out.push(id));
        assert_eq!(ruled_out, [RuleId(0), RuleId(1), RuleId(2)]);
        ruled_out.clear();
        let passed = Deadline::after(Some(std::time::Duration::ZERO), None);
        set.rule_out(b"other", &passed, |id| ruled_out.push(id));
        assert_eq!(ruled_out, [], "an unfinished digest rules nothing out");
    }

    #[test]
    fn literals_are_kept_as_written() {
        let upper = HELLO_MD5.to_uppercase();
        let p = program(&format!(
            r#"import "hash" rule a {{ condition: hash.md5(0, filesize) == "{upper}" }}"#
        ));
        let set = IndicatorSet::recognize(&p);
        let mut ruled_out = Vec::new();
        set.rule_out(b"hello", &Deadline::default(), |id| ruled_out.push(id));
        assert_eq!(ruled_out, [RuleId(0)], "hash.md5 is lower case, so never equal");
    }
}
