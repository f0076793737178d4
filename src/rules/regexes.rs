//! The regular expressions of conditions (`matches`, function arguments),
//! compiled when the rules are built and, for rules loaded from a compiled
//! file, on first use: signature-base has hundreds of them, and compiling
//! them all would cost a load more than everything else together. Their
//! sources stay in the program ([`crate::compiler::ir::Program::regexes`]).

use std::sync::{Arc, OnceLock};

use regex_automata::meta;

use crate::compiler::ir;
use crate::matcher::regex::{RegexFlags, compile_search};

/// The compiled condition regexes, by [`ir::RegexId`].
#[derive(Debug, Default)]
pub(crate) struct ConditionRegexes {
    compiled: Box<[OnceLock<Arc<meta::Regex>>]>,
    /// Heap bytes one compiled regex may take, as when the rules were
    /// built.
    size_limit: usize,
}

impl ConditionRegexes {
    /// The regexes the build compiled.
    pub(crate) fn built(regexes: Vec<Arc<meta::Regex>>, size_limit: usize) -> Self {
        Self { compiled: regexes.into_iter().map(OnceLock::from).collect(), size_limit }
    }

    /// `count` regexes, each compiled from its source on first use.
    pub(crate) fn deferred(count: usize, size_limit: usize) -> Self {
        Self { compiled: (0..count).map(|_| OnceLock::new()).collect(), size_limit }
    }

    /// The compiled regex `index`, whose source is `source`. One that does
    /// not compile, which only a forged compiled file can hold (the build
    /// refuses it), never matches.
    pub(crate) fn get(&self, index: usize, source: &ir::Regex) -> &Arc<meta::Regex> {
        self.compiled[index].get_or_init(|| {
            let flags = RegexFlags {
                case_insensitive: source.case_insensitive,
                dot_matches_new_line: source.dot_matches_new_line,
            };
            let compiled = compile_search(&source.pattern, flags, self.size_limit)
                .ok()
                .or_else(|| meta::Regex::new_many::<&str>(&[]).ok())
                .unwrap_or_else(|| unreachable!("a regex without patterns always builds"));
            Arc::new(compiled)
        })
    }
}
