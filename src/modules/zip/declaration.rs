//! The `zip` module's declaration: the fields of YARA-X's `zip.proto` and
//! its compression methods, constants inline in the module as YARA-X has
//! them (`zip.DEFLATED`); see [`crate::modules::schema`].

use crate::modules::schema::schema;

schema! {
    /// One central directory record.
    pub(super) struct Entry {
        /// The stored name, invalid UTF-8 replaced.
        file_path: Vec<u8>,
        /// The compression method: one of the constants, `UNKNOWN` for a
        /// method YARA-X does not name.
        compression: i64,
        /// Size once decompressed, as declared (zip64 sizes included).
        uncompressed_size: i64,
        /// Size as stored, as declared.
        compressed_size: i64,
    }

    /// The `zip` module.
    pub(super) struct ZipModule {
        /// Whether the input is a zip archive (data may precede it).
        is_zip: bool,
        /// The central directory records in stored order, duplicates kept.
        entries: Vec<Entry>,
    }
    constants = [COMPRESSION_METHODS];
}

/// Compression methods YARA-X names, by their stored number.
pub(super) const COMPRESSION_METHODS: &[(&str, i64)] = &[
    ("STORED", 0),
    ("SHRUNK", 1),
    ("REDUCED_1", 2),
    ("REDUCED_2", 3),
    ("REDUCED_3", 4),
    ("REDUCED_4", 5),
    ("IMPLODED", 6),
    ("DEFLATED", 8),
    ("DEFLATE64", 9),
    ("PKWARE_IMPLODING", 10),
    ("BZIP2", 12),
    ("LZMA", 14),
    ("ZSTD", 93),
    ("XZ", 95),
    ("UNKNOWN", 255),
];
