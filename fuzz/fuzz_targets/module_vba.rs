//! The `vba` module's parser and its JSON dump.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spoor_fuzz::module("vba", data));
