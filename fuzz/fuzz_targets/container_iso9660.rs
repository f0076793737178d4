//! The iso9660 container reader, members read in full.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spoor_fuzz::container(spoor::inputs::containers::Kind::Iso9660, data));
