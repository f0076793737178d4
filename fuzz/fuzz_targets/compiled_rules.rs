//! Compiled ruleset payloads past the checksum, then a scan with them.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spoor_fuzz::compiled_rules(data));
