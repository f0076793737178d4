//! The ar container reader, members read in full.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spoor_fuzz::container(spoor::inputs::containers::Kind::Ar, data));
