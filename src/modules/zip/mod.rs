//! The `zip` module: the entries of a zip archive's central directory
//! (jars, wheels, APKs, Office documents), as YARA-X reports them.

mod archive;
mod declaration;

use crate::modules::schema::{FieldType, FormatModule, text, uint};
use crate::modules::{Module, ModuleData};
use archive::Archive;
use declaration::{COMPRESSION_METHODS, Entry, ZipModule};

/// The `zip` module.
pub(crate) static ZIP: &dyn Module = &FormatModule::<ZipModule>::new("zip", parse_module);

/// Entries reported at most, as in YARA-X; the rest are left out.
const MAX_ENTRIES: usize = 100_000;

/// The module's data for one input.
fn parse_module(data: &[u8]) -> ModuleData {
    let value = match Archive::open(data) {
        Some(zip) => ZipModule {
            is_zip: Some(true),
            entries: Some(zip.entries().take(MAX_ENTRIES).map(|e| entry(&e)).collect()),
        },
        None => ZipModule { is_zip: Some(false), entries: None },
    };
    ModuleData { value: value.into_value(), native: None }
}

fn entry(e: &archive::Entry<'_>) -> Entry {
    Entry {
        file_path: text(String::from_utf8_lossy(e.path).as_bytes()),
        compression: Some(compression(e.method)),
        uncompressed_size: uint(e.uncompressed_size),
        compressed_size: uint(e.compressed_size),
    }
}

/// The stored method when YARA-X names it, else `UNKNOWN`.
fn compression(method: u16) -> i64 {
    let method = i64::from(method);
    let named = COMPRESSION_METHODS.iter().any(|&(_, value)| value == method);
    if named { method } else { UNKNOWN_METHOD }
}

/// `zip.UNKNOWN`.
const UNKNOWN_METHOD: i64 = 255;
