//! Rule text to compiled rules, then a scan of the text.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spoor_fuzz::compile_and_scan(data));
