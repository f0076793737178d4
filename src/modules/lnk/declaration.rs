//! The `lnk` module's declaration: the fields of YARA-X's `lnk.proto`, its
//! `FILE_ATTRIBUTE_*` constants and its `ShowCommand`, `DriveType` and
//! `ShellItemType` enums (see [`crate::modules::schema`]).

use crate::modules::schema::schema;

schema! {
    /// One shell item of the link target ID list.
    pub(super) struct ShellItem {
        /// The category, from the class type indicator byte: a
        /// `ShellItemType` value, or the raw byte when it has none.
        item_type: i64,
        /// Every byte after the class type indicator.
        data: Vec<u8>,
        /// Path of the control panel CPL file (not decoded by spoor).
        cpl_file_path: Vec<u8>,
        /// Shell folder GUID of a root folder item.
        root_folder_id: Vec<u8>,
        /// Name of a volume item that carries one (`C:\`).
        volume_name: Vec<u8>,
        /// GUID of a volume item that carries one instead of a name.
        volume_id: Vec<u8>,
        /// Primary name of a file entry item.
        file_entry_name: Vec<u8>,
        /// Location (usually a UNC path) of a network location item.
        network_location: Vec<u8>,
    }

    /// The distributed link tracker block.
    pub(super) struct TrackerData {
        version: i64,
        /// NetBIOS name of the machine the target was last on.
        machine_id: Vec<u8>,
        droid_volume_id: Vec<u8>,
        droid_file_id: Vec<u8>,
        droid_birth_volume_id: Vec<u8>,
        droid_birth_file_id: Vec<u8>,
    }

    /// The `lnk` module.
    pub(super) struct LnkModule {
        /// Whether the input is a LNK file.
        is_lnk: bool,
        /// The description shown to users (`NAME_STRING`).
        name: Vec<u8>,
        /// Creation time of the link, seconds since the epoch.
        creation_time: i64,
        /// Last access time of the link, seconds since the epoch.
        access_time: i64,
        /// Last write time of the link, seconds since the epoch.
        write_time: i64,
        /// Size of the target (its low 32 bits).
        file_size: i64,
        /// `FILE_ATTRIBUTE_*` bits of the target.
        file_attributes: i64,
        /// Where the icon is found (`ICON_LOCATION`).
        icon_location: Vec<u8>,
        /// Index of the icon within `icon_location`.
        icon_index: i64,
        /// A `ShowCommand` value.
        show_command: i64,
        /// A `DriveType` value, from the link info's volume ID.
        drive_type: i64,
        drive_serial_number: i64,
        volume_label: Vec<u8>,
        local_base_path: Vec<u8>,
        common_path_suffix: Vec<u8>,
        /// The target relative to the link (`RELATIVE_PATH`).
        relative_path: Vec<u8>,
        /// `WORKING_DIR`.
        working_dir: Vec<u8>,
        /// `COMMAND_LINE_ARGUMENTS`.
        cmd_line_args: Vec<u8>,
        /// Bytes after the terminal extra data block: what an oversized
        /// carrier hides after the shortcut.
        overlay_size: i64,
        /// Offset of the overlay; only when there is one.
        overlay_offset: i64,
        tracker_data: TrackerData,
        /// The shell items of the link target ID list, in order.
        target_id_list: Vec<ShellItem>,
    }
    constants = [FILE_ATTRIBUTES];
    enums = [
        ("ShowCommand", SHOW_COMMANDS),
        ("DriveType", DRIVE_TYPES),
        ("ShellItemType", SHELL_ITEM_TYPES),
    ];
}

/// `FILE_ATTRIBUTE_*` bits, inline in the module as in YARA-X.
const FILE_ATTRIBUTES: &[(&str, i64)] = &[
    ("FILE_ATTRIBUTE_READONLY", 0x0001),
    ("FILE_ATTRIBUTE_HIDDEN", 0x0002),
    ("FILE_ATTRIBUTE_SYSTEM", 0x0004),
    ("RESERVED_1", 0x0008),
    ("FILE_ATTRIBUTE_DIRECTORY", 0x0010),
    ("FILE_ATTRIBUTE_ARCHIVE", 0x0020),
    ("RESERVED_2", 0x0040),
    ("FILE_ATTRIBUTE_NORMAL", 0x0080),
    ("FILE_ATTRIBUTE_TEMPORARY", 0x0100),
    ("FILE_ATTRIBUTE_SPARSE_FILE", 0x0200),
    ("FILE_ATTRIBUTE_REPARSE_POINT", 0x0400),
    ("FILE_ATTRIBUTE_COMPRESSED", 0x0800),
    ("FILE_ATTRIBUTE_OFFLINE", 0x1000),
    ("FILE_ATTRIBUTE_NOT_CONTENT_INDEXED", 0x2000),
    ("FILE_ATTRIBUTE_ENCRYPTED", 0x4000),
];

/// `lnk.ShowCommand.*`.
const SHOW_COMMANDS: &[(&str, i64)] = &[("NORMAL", 1), ("MAXIMIZED", 3), ("MIN_NO_ACTIVE", 7)];

/// `lnk.DriveType.*`.
const DRIVE_TYPES: &[(&str, i64)] = &[
    ("UNKNOWN", 0),
    ("NO_ROOT_DIR", 1),
    ("REMOVABLE", 2),
    ("FIXED", 3),
    ("REMOTE", 4),
    ("CDROM", 5),
    ("RAMDISK", 6),
];

/// `lnk.ShellItemType.*`: class type indicators; volume, file entry and
/// network location items are ranges named by their base.
pub(super) const SHELL_ITEM_TYPES: &[(&str, i64)] = &[
    ("CONTROL_PANEL_CPL", 0x00),
    ("CONTROL_PANEL_CATEGORY", 0x01),
    ("ROOT_FOLDER", 0x1F),
    ("VOLUME", 0x20),
    ("FILE_ENTRY", 0x30),
    ("NETWORK_LOCATION", 0x40),
    ("COMPRESSED_FOLDER", 0x52),
    ("URI", 0x61),
    ("CONTROL_PANEL", 0x71),
    ("PRINTERS", 0x72),
    ("COMMON_PLACES_FOLDER", 0x73),
    ("USERS_FILES_FOLDER", 0x74),
];
