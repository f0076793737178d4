//! The `*.test.toml` rule-test format and its sample builder.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spoor_fuzz::rule_test(data));
