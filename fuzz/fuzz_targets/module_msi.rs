//! The `msi` module's parser (compound file, string pool, tables, summary,
//! signatures) and its JSON dump.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spoor_fuzz::module("msi", data));
