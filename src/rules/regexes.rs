//! The regular expressions of conditions (`matches`, function arguments),
//! compiled when the rules are built and, for rules loaded from a compiled
//! file, on first use: signature-base has hundreds of them, and compiling
//! them all would cost a load more than everything else together.

use std::sync::{Arc, OnceLock};

use regex_automata::meta;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::RulesError;
use crate::matcher::regex::{RegexFlags, translate};
use crate::parser::ast;

/// One condition regex: its source and, once compiled, the regex.
#[derive(Debug)]
pub(crate) struct ConditionRegex {
    source: ast::Regex,
    compiled: OnceLock<Arc<meta::Regex>>,
}

impl ConditionRegex {
    /// Compiles `source` now, so that an error is the build's.
    pub(crate) fn compile(source: &ast::Regex) -> Result<Self, RulesError> {
        let compiled = OnceLock::from(Arc::new(compile_regex(source)?));
        Ok(ConditionRegex { source: source.clone(), compiled })
    }

    /// The compiled regex. One that does not compile, which only a forged
    /// compiled file can hold (the build refuses it), never matches.
    pub(crate) fn get(&self) -> &Arc<meta::Regex> {
        self.compiled.get_or_init(|| {
            let compiled = compile_regex(&self.source)
                .ok()
                .or_else(|| meta::Regex::new_many::<&str>(&[]).ok())
                .unwrap_or_else(|| unreachable!("a regex without patterns always builds"));
            Arc::new(compiled)
        })
    }
}

impl Serialize for ConditionRegex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.source.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ConditionRegex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let source = ast::Regex::deserialize(deserializer)?;
        Ok(ConditionRegex { source, compiled: OnceLock::new() })
    }
}

/// Compiles a condition's regular expression for an unanchored search over
/// bytes, in YARA's dialect: the same translation as the patterns' (`{,n}`,
/// `\b` over bytes, ...).
fn compile_regex(regex: &ast::Regex) -> Result<meta::Regex, RulesError> {
    let error = |message: String| RulesError::Regex { pattern: regex.pattern.clone(), message };
    let flags = RegexFlags {
        case_insensitive: regex.case_insensitive,
        dot_matches_new_line: regex.dot_matches_new_line,
    };
    let hir = translate(&regex.pattern, flags).map_err(|e| error(e.message))?;
    meta::Builder::new()
        .configure(meta::Config::new().utf8_empty(false))
        .build_from_hir(&hir)
        .map_err(|e| error(e.to_string()))
}
