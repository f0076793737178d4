//! The compressed-stream reader (gzip, bzip2, xz, zstd): the method is
//! taken from the magic, gzip when there is none, so every input is read.

#![no_main]

use spoor::inputs::containers::{Compression, Kind};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let method = Compression::detect(data).unwrap_or(Compression::Gzip);
    spoor_fuzz::container(Kind::Compressed(method), data);
});
