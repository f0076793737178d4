//! `spoor.toml`, applied to the check and the formatter.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spoor_fuzz::config(data));
