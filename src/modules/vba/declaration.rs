//! The `vba` module's declaration: the fields of YARA-X's `vba.proto` and
//! its `ModuleType` constants, inline in the module as in YARA-X (see
//! [`crate::modules::schema`]).

use crate::modules::schema::schema;

schema! {
    /// One module of the project whose source could be read.
    pub(super) struct VbaSourceModule {
        /// The module's name (`MODULENAME`).
        name: Vec<u8>,
        /// A `MODULE_TYPE_*` value.
        r#type: i64,
        /// The module's source, decompressed and decoded from the project's
        /// code page to UTF-8.
        code: Vec<u8>,
    }

    /// What the project's `dir` stream says about the project.
    pub(super) struct ProjectInfo {
        /// `PROJECTNAME`.
        name: Vec<u8>,
        /// `PROJECTVERSION` as `major.minor`.
        version: Vec<u8>,
        /// The names of the referenced libraries and projects, in order.
        references: Vec<Vec<u8>>,
        /// The module count `PROJECTMODULES` states.
        module_count: i64,
    }

    /// The `vba` module.
    pub(super) struct VbaModule {
        /// Whether a VBA project was found: a `VBA` storage whose `dir`
        /// stream decompresses to project records, in a compound file or
        /// in the `vbaProject.bin` of an Office Open XML package.
        has_macros: bool,
        /// The modules whose source could be read, in `dir` order.
        modules: Vec<VbaSourceModule>,
        project_info: ProjectInfo,
    }
    constants = [MODULE_TYPES];
}

/// `MODULE_TYPE_*`: procedural modules are standard, document, class and
/// designer modules are class modules.
pub(super) const MODULE_TYPE_STANDARD: i64 = 1;
pub(super) const MODULE_TYPE_CLASS: i64 = 2;
pub(super) const MODULE_TYPE_UNKNOWN: i64 = 3;

const MODULE_TYPES: &[(&str, i64)] = &[
    ("MODULE_TYPE_STANDARD", MODULE_TYPE_STANDARD),
    ("MODULE_TYPE_CLASS", MODULE_TYPE_CLASS),
    ("MODULE_TYPE_UNKNOWN", MODULE_TYPE_UNKNOWN),
];
