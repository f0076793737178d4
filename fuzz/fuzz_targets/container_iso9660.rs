//! The iso9660 container reader, members read in full.

#![no_main]

use spoor::inputs::containers::Kind;

libfuzzer_sys::fuzz_target!(|data: &[u8]| spoor_fuzz::container(Kind::Iso9660, data));
