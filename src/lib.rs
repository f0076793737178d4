//! spoor: a YARA-compatible rule compiler and file scanner with threat-actor
//! attribution.
//!
//! The pipeline has one module per stage:
//!
//! 1. [`parser`]: rule text to an [`parser::ast`] tree with spans;
//! 2. `compiler`: checking, typing and compiling rules;
//! 3. `scanner`: searching one input and evaluating conditions;
//! 4. reports with attribution.
//!
//! Compile rules once, share the [`Rules`] between threads, and scan with
//! one [`Scanner`] per thread:
//!
//! ```
//! use spoor::{Compiler, Scanner};
//!
//! let mut compiler = Compiler::new();
//! compiler.add_source(
//!     r#"
//!     rule small_mz : demo {
//!         meta: author = "spoor"
//!         strings: $mz = "MZ" $text = "This program"
//!         condition: $mz at 0 and $text and filesize < 1MB
//!     }"#,
//!     "demo.yar",
//! );
//! let rules = compiler.build().expect("the rule is valid");
//!
//! let mut scanner = Scanner::new(&rules);
//! scanner.options_mut().print_strings = true;
//! let results = scanner.scan_bytes(b"MZ\x90\0 This program cannot be run in DOS mode")?;
//! let matched = &results.matching_rules()[0];
//! assert_eq!(matched.rule, "small_mz");
//! assert_eq!(matched.tags, ["demo"]);
//! assert_eq!(matched.strings.iter().map(|s| s.offset).collect::<Vec<_>>(), [0, 5]);
//! # Ok::<(), spoor::scanner::error::ScanError>(())
//! ```

pub mod attribution;
pub mod bundled;
mod byte_strings;
pub mod compiler;
pub mod config;
pub mod diagnostics;
pub mod file_vars;
pub mod fmt;
pub mod inputs;
pub mod lsp;
pub mod matcher;
pub mod modules;
pub mod output;
pub mod parser;
pub mod results;
pub mod rules;
pub mod scanner;
pub mod semantics;
pub mod source;
pub mod testing;
pub mod types;
pub mod walk;

pub use compiler::Compiler;
pub use rules::Rules;
pub use scanner::Scanner;
