//! Checking and compiling rules: source text -> AST -> IR -> compiled rules.
//!
//! The checker resolves names, types every expression and folds constants,
//! producing the [`ir::Program`] that the scanner evaluates.

pub mod ir;
