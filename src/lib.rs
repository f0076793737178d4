//! spoor: a YARA-compatible rule compiler and file scanner with threat-actor
//! attribution.
//!
//! The pipeline has one module per stage:
//!
//! 1. [`parser`]: rule text to an [`parser::ast`] tree with spans;
//! 2. `compiler`: checking, typing and compiling rules;
//! 3. `scanner`: searching one input and evaluating conditions;
//! 4. reports with attribution.

pub mod attribution;
pub mod bundled;
pub mod diagnostics;
pub mod output;
pub mod parser;
pub mod results;
pub mod scanner;
pub mod source;
pub mod types;
pub mod walk;
