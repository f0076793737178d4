//! spoor's integration tests, in one binary (as ripgrep and boreal keep
//! theirs): a module per area, helpers in `util`.

mod util;

mod archives;
mod attribution_signature_base;
mod attribution_summary;
mod build_check;
mod bundled_files;
mod bundled_samples;
mod check_cli;
mod check_fuzz;
mod check_golden;
mod check_warnings;
mod cli_attribution;
mod cli_scan;
mod compiled;
mod completion;
mod conformance;
mod differential;
mod eval_conditions;
mod eval_modules;
mod eval_signature_base;
mod file_externals;
mod fmt;
mod hostile;
mod indicators;
mod ioc;
mod lsp;
mod modules_lnk;
mod modules_macho;
mod modules_mutants_reference;
mod modules_pe_declaration;
mod modules_pe_fuzz;
mod modules_pe_reference;
mod modules_reference;
mod modules_robustness;
mod parser_constructs;
mod parser_corpus;
mod parser_errors;
mod parser_fuzz;
mod parser_limits;
mod parser_roundtrip;
mod rule_tests;
mod sarif_github;
mod sarif_schema;
mod source_tree;
