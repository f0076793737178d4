//! The `msi` module's declaration (see [`crate::modules::schema`]):
//! YARA-X's two fields, `is_signed` and `signatures`, then what spoor adds
//! about the installer itself: its summary information, its tables and
//! streams, and the `Property` table as a dictionary.

use std::collections::BTreeMap;

use crate::modules::pe::Signature;
use crate::modules::schema::schema;

schema! {
    /// The summary information (`\x05SummaryInformation`), with Windows
    /// Installer's meaning of each property.
    pub(super) struct SummaryInformation {
        /// Codepage of the summary's strings.
        codepage: i64,
        title: Vec<u8>,
        /// The product name, as a rule.
        subject: Vec<u8>,
        /// The manufacturer, as a rule.
        author: Vec<u8>,
        keywords: Vec<u8>,
        comments: Vec<u8>,
        /// Platform and languages (`x64;1033`).
        template: Vec<u8>,
        last_saved_by: Vec<u8>,
        /// The package code, a GUID in braces.
        revision_number: Vec<u8>,
        /// Seconds since the epoch.
        last_printed: i64,
        /// Seconds since the epoch.
        create_time: i64,
        /// Seconds since the epoch.
        last_save_time: i64,
        /// The Windows Installer version required, times 100.
        page_count: i64,
        /// Source image flags (short names, compressed, admin image).
        word_count: i64,
        character_count: i64,
        /// The tool that built the package.
        creating_application: Vec<u8>,
        /// 0 none, 2 read-only recommended, 4 read-only enforced.
        security: i64,
    }

    /// One column of a table.
    pub(super) struct MsiColumn {
        name: Vec<u8>,
        /// Windows Installer's column type bits: the size in the low byte,
        /// 0x0800 string, 0x1000 nullable, 0x2000 primary key.
        r#type: i64,
    }

    /// One table of the database.
    pub(super) struct MsiTable {
        name: Vec<u8>,
        /// The columns in order.
        columns: Vec<MsiColumn>,
        number_of_rows: i64,
        /// Each row's cells as text, in column order: integers in decimal,
        /// null cells empty, a binary cell the name of the stream holding
        /// its data (`Binary.Name`).
        rows: Vec<Vec<Vec<u8>>>,
    }

    /// A stream that is not a table: cabinets, binaries, the summary.
    pub(super) struct MsiStream {
        /// The name, unpacked (`Binary.CustomActionDll`).
        name: Vec<u8>,
        size: i64,
    }

    /// The `msi` module.
    pub(super) struct MsiModule {
        /// Whether the input is a compound file with a signature (a
        /// `\x05DigitalSignature` stream that decodes).
        is_signed: bool,
        /// The Authenticode signatures, laid out as `pe.signatures`.
        signatures: Vec<Signature>,
        /// Whether the input is a Windows Installer database: a compound
        /// file with a string pool and a table list (spoor only).
        is_msi: bool,
        /// Codepage of the database's strings (spoor only).
        codepage: i64,
        /// The summary information (spoor only).
        summary: SummaryInformation,
        /// How many tables `_Tables` lists (spoor only).
        number_of_tables: i64,
        /// The tables, in `_Tables` order (spoor only).
        tables: Vec<MsiTable>,
        /// The `Property` table: value by property name (spoor only).
        properties: BTreeMap<Vec<u8>, Vec<u8>>,
        /// How many streams that are not tables the root holds (spoor
        /// only).
        number_of_streams: i64,
        /// Those streams (spoor only).
        streams: Vec<MsiStream>,
    }
}
