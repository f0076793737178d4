//! `spoor ioc import` (STIX, MISP, CSV): read, resolve, render, compile.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spoor_fuzz::ioc_import(data));
