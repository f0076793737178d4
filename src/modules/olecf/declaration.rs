//! The `olecf` module's declaration: the fields of YARA-X's `olecf.proto`
//! and its `StreamType` enum (see [`crate::modules::schema`]).

use crate::modules::schema::schema;

schema! {
    /// One directory entry in use: a storage, a stream or the root.
    pub(super) struct Stream {
        /// The entry's name, without control characters.
        name: Vec<u8>,
        /// A `StreamType` value.
        r#type: i64,
        /// The stream's size in bytes (the mini stream's for the root);
        /// only the low 32 bits in files of 512-byte sectors.
        size: i64,
    }

    /// The `olecf` module.
    pub(super) struct OlecfModule {
        /// Whether the input is a compound file.
        is_olecf: bool,
        /// The directory's entries in use, in directory order.
        streams: Vec<Stream>,
    }
    enums = [("StreamType", STREAM_TYPES)];
}

/// Directory entry types, as [MS-CFB] numbers them.
#[derive(Debug, Clone, Copy)]
pub(super) enum StreamType {
    Storage = 1,
    Stream = 2,
    Root = 5,
}

/// `olecf.StreamType.*`.
const STREAM_TYPES: &[(&str, i64)] = &[
    ("UNKNOWN", 0),
    ("STORAGE", StreamType::Storage as i64),
    ("STREAM", StreamType::Stream as i64),
    ("ROOT", StreamType::Root as i64),
];
