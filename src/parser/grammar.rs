//! The pest parser generated from `grammar/yara.pest`.

/// Generated from the grammar; `Rule` names the grammar's rules.
#[derive(pest_derive::Parser)]
#[grammar = "../grammar/yara.pest"]
pub(crate) struct YaraParser;
