//! The cpio container reader, members read in full.

#![no_main]

use spoor::inputs::containers::Kind;

libfuzzer_sys::fuzz_target!(|data: &[u8]| spoor_fuzz::container(Kind::Cpio, data));
