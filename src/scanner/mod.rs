//! Scanning one input: loading it, searching patterns, evaluating conditions.

pub mod input;
