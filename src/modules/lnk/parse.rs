//! Reading Windows shortcuts ([MS-SHLLINK]) the way YARA-X does: a header,
//! then the optional target ID list, link info and string data the link
//! flags announce, then extra data blocks up to the terminal block; what
//! follows is the overlay. A file whose header does not fit is not a LNK
//! (only `is_lnk`, false); past the header, YARA-X 1.23 keeps what it read
//! before the first structure that does not fit, and so does this parser:
//! a shell item cut by the end of the file keeps its bytes, the fields
//! after it stay undefined, and the overlay is only known once the
//! terminal block was read.

use super::declaration::{LnkModule, ShellItem, TrackerData};
use crate::modules::binary::{guid, u16_le, u32_le, u64_le};
use crate::modules::schema::{count, int, text, uint};

/// `HeaderSize`.
const HEADER_SIZE: u32 = 0x4c;
/// `LinkCLSID`, 00021401-0000-0000-C000-000000000046, as stored.
const LINK_CLSID: [u8; 16] = [
    0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
];

const HAS_LINK_TARGET_ID_LIST: u32 = 0x01;
const HAS_LINK_INFO: u32 = 0x02;
const HAS_NAME: u32 = 0x04;
const HAS_RELATIVE_PATH: u32 = 0x08;
const HAS_WORKING_DIR: u32 = 0x10;
const HAS_ARGUMENTS: u32 = 0x20;
const HAS_ICON_LOCATION: u32 = 0x40;
const IS_UNICODE: u32 = 0x80;

/// Link info flag: a volume ID and a local base path are present.
const VOLUME_ID_AND_LOCAL_BASE_PATH: u32 = 0x01;
/// Link info flag: a network link and a path suffix are present.
const COMMON_NETWORK_RELATIVE_LINK_AND_PATH_SUFFIX: u32 = 0x02;
/// A link info header at least this long has the Unicode offsets.
const LINK_INFO_UNICODE_HEADER: u32 = 0x24;
/// A volume label offset of this value means the label is Unicode.
const UNICODE_VOLUME_LABEL: u32 = 0x14;

/// `TrackerDataBlock` signature.
const TRACKER_DATA_BLOCK: u32 = 0xA000_0003;

/// Shell items kept from the target ID list; more are parsed (the list's
/// size bounds them) but not reported.
const MAX_SHELL_ITEMS: usize = 1024;

/// Seconds between 1601-01-01 (the FILETIME epoch) and 1970-01-01.
const FILETIME_UNIX_OFFSET: u64 = 11_644_473_600;
/// FILETIME ticks per second.
const FILETIME_TICKS: u64 = 10_000_000;

/// A forward reader over the input.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn u16(&mut self) -> Option<u16> {
        let v = u16_le(self.data, self.pos)?;
        self.pos += 2;
        Some(v)
    }

    fn u32(&mut self) -> Option<u32> {
        let v = u32_le(self.data, self.pos)?;
        self.pos += 4;
        Some(v)
    }

    fn u64(&mut self) -> Option<u64> {
        let v = u64_le(self.data, self.pos)?;
        self.pos += 8;
        Some(v)
    }

    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let bytes = self.data.get(self.pos..self.pos.checked_add(len)?)?;
        self.pos += len;
        Some(bytes)
    }

    fn rest(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }
}

/// Parses `data`; `None` when it is not a LNK file.
pub(super) fn parse(data: &[u8]) -> Option<LnkModule> {
    let mut r = Reader { data, pos: 0 };
    (r.u32()? == HEADER_SIZE).then_some(())?;
    (r.take(16)? == LINK_CLSID).then_some(())?;
    let flags = r.u32()?;
    let mut lnk =
        LnkModule { is_lnk: Some(true), file_attributes: int(r.u32()?), ..Default::default() };
    lnk.creation_time = unix_time(r.u64()?);
    lnk.access_time = unix_time(r.u64()?);
    lnk.write_time = unix_time(r.u64()?);
    lnk.file_size = int(r.u32()?);
    lnk.icon_index = int(r.u32()?);
    lnk.show_command = enum_value(r.u32()?);
    r.take(2 + 2 + 4 + 4)?; // hot key and reserved fields
    // A structure that does not fit ends the parse; what was read stays.
    let _ = structures(&mut r, flags, &mut lnk);
    Some(lnk)
}

/// Everything after the header, in file order, up to the first structure
/// that does not fit.
fn structures(r: &mut Reader<'_>, flags: u32, lnk: &mut LnkModule) -> Option<()> {
    if flags & HAS_LINK_TARGET_ID_LIST != 0 {
        target_id_list(r, lnk)?;
    }
    if flags & HAS_LINK_INFO != 0 {
        link_info(r, lnk)?;
    }
    let unicode = flags & IS_UNICODE != 0;
    for (flag, field) in [
        (HAS_NAME, &mut lnk.name),
        (HAS_RELATIVE_PATH, &mut lnk.relative_path),
        (HAS_WORKING_DIR, &mut lnk.working_dir),
        (HAS_ARGUMENTS, &mut lnk.cmd_line_args),
        (HAS_ICON_LOCATION, &mut lnk.icon_location),
    ] {
        if flags & flag != 0 {
            *field = text(string_data(r, unicode)?);
        }
    }
    extra_data(r, lnk)?;
    let overlay = r.rest().len();
    lnk.overlay_size = count(overlay);
    if overlay > 0 {
        lnk.overlay_offset = count(r.pos);
    }
    Some(())
}

/// FILETIME to seconds since the epoch; undefined before 1970.
fn unix_time(filetime: u64) -> Option<i64> {
    (filetime / FILETIME_TICKS).checked_sub(FILETIME_UNIX_OFFSET).and_then(uint)
}

/// An enum-typed field: YARA-X leaves values past `i32::MAX` undefined.
fn enum_value(v: u32) -> Option<i64> {
    i32::try_from(v).ok().map(i64::from)
}

/// `LinkTargetIDList`: a size, then items each with its own size, up to
/// an item of size 0. Items are kept as they are read, so a list cut by
/// the end of the file keeps its first items (the last one cut short).
fn target_id_list(r: &mut Reader<'_>, lnk: &mut LnkModule) -> Option<()> {
    let size = usize::from(r.u16()?);
    let start = r.pos;
    let end = start.saturating_add(size);
    let items = lnk.target_id_list.get_or_insert_with(Vec::new);
    let mut pos = start;
    while pos < end {
        let item_size = usize::from(u16_le(r.data, pos)?);
        if item_size < 2 {
            break;
        }
        let body = r.data.get(pos + 2..r.data.len().min(pos + item_size))?;
        if items.len() < MAX_SHELL_ITEMS {
            items.extend(shell_item(body));
        }
        pos += item_size;
    }
    r.take(size)?;
    Some(())
}

/// One shell item, decoded as far as its type allows ([MS-SHLLINK] leaves
/// the layout to the shell; the fields follow libfwsi's description).
fn shell_item(body: &[u8]) -> Option<ShellItem> {
    let (&indicator, data) = body.split_first()?;
    let category = match indicator {
        0x20..=0x4f => indicator & 0x70,
        other => other,
    };
    let mut item = ShellItem { item_type: int(category), data: text(data), ..Default::default() };
    match category {
        0x1f => item.root_folder_id = data.get(1..).and_then(guid).and_then(text),
        0x20 if indicator == 0x2e => item.volume_id = data.get(1..).and_then(guid).and_then(text),
        0x20 => item.volume_name = text(c_string(data)),
        0x30 => {
            let name = data.get(11..).unwrap_or_default();
            let name = if indicator & 0x04 != 0 { utf16_string(name) } else { c_string(name) };
            item.file_entry_name = text(name);
        }
        0x40 => item.network_location = data.get(2..).map(c_string).and_then(text),
        _ => {}
    }
    Some(item)
}

/// `LinkInfo`: the volume ID, local base path and common path suffix.
/// Only a link info larger than the file is an error.
fn link_info(r: &mut Reader<'_>, lnk: &mut LnkModule) -> Option<()> {
    let start = r.pos;
    let [size, header_size, flags, volume_id_offset, local_base_path_offset, _, suffix_offset] =
        [(); 7].map(|()| r.u32());
    let (size, header_size, flags) = (size?, header_size?, flags?);
    let (volume_id_offset, local_base_path_offset, suffix_offset) =
        (volume_id_offset?, local_base_path_offset?, suffix_offset?);
    let unicode_offsets = if header_size >= LINK_INFO_UNICODE_HEADER {
        let mut optional = Reader { data: r.data, pos: r.pos };
        Some((optional.u32()?, optional.u32()?))
    } else {
        None
    };
    r.pos = start;
    let info = r.take(usize::try_from(size).ok()?)?;
    let string_at = |ansi: u32, unicode: Option<u32>| match unicode {
        Some(offset) if offset > 0 => info.get(offset as usize..).map(utf16_string),
        _ => info.get(ansi as usize..).map(c_string),
    };
    if flags & VOLUME_ID_AND_LOCAL_BASE_PATH != 0 {
        if let Some(volume) = info.get(volume_id_offset as usize..) {
            volume_id(volume, lnk);
        }
        lnk.local_base_path =
            string_at(local_base_path_offset, unicode_offsets.map(|u| u.0)).and_then(text);
    }
    if flags & COMMON_NETWORK_RELATIVE_LINK_AND_PATH_SUFFIX != 0 {
        lnk.common_path_suffix =
            string_at(suffix_offset, unicode_offsets.map(|u| u.1)).and_then(text);
    }
    Some(())
}

/// `VolumeID`: drive type, serial number and label.
fn volume_id(data: &[u8], lnk: &mut LnkModule) -> Option<()> {
    let mut r = Reader { data, pos: 0 };
    let size = r.u32()?;
    lnk.drive_type = enum_value(r.u32()?);
    lnk.drive_serial_number = int(r.u32()?);
    let label_offset = r.u32()?;
    let volume = data.get(..usize::try_from(size).ok()?)?;
    if label_offset == UNICODE_VOLUME_LABEL {
        let unicode_offset = r.u32()?;
        lnk.volume_label = volume.get(unicode_offset as usize..).map(utf16_string).and_then(text);
    } else {
        lnk.volume_label = data.get(label_offset as usize..).map(c_string).and_then(text);
    }
    Some(())
}

/// One `StringData` entry: a count of characters, then the characters.
fn string_data(r: &mut Reader<'_>, unicode: bool) -> Option<String> {
    let chars = usize::from(r.u16()?);
    if unicode {
        r.take(chars * 2).map(utf16_string)
    } else {
        r.take(chars).map(|s| String::from_utf8_lossy(s).into_owned())
    }
}

/// The extra data blocks up to the terminal block (a size below 4),
/// keeping the tracker data of the last tracker block.
fn extra_data(r: &mut Reader<'_>, lnk: &mut LnkModule) -> Option<()> {
    loop {
        let size = usize::try_from(u32_le(r.data, r.pos)?).ok()?;
        if size < 4 {
            r.pos += 4;
            return Some(());
        }
        let block = r.take(size)?;
        if u32_le(block, 4) == Some(TRACKER_DATA_BLOCK)
            && let Some(tracker) = block.get(8..).and_then(tracker_data)
        {
            lnk.tracker_data = Some(tracker);
        }
    }
}

/// `TrackerDataBlock` after its size and signature.
fn tracker_data(data: &[u8]) -> Option<TrackerData> {
    let mut r = Reader { data, pos: 0 };
    let _length = r.u32()?;
    let version = r.u32()?;
    let machine_id = c_string(r.take(16)?);
    let mut ids = [(); 4].map(|()| r.take(16).and_then(guid));
    let [volume, file, birth_volume, birth_file] = &mut ids;
    Some(TrackerData {
        version: int(version),
        machine_id: text(machine_id),
        droid_volume_id: text(volume.take()?),
        droid_file_id: text(file.take()?),
        droid_birth_volume_id: text(birth_volume.take()?),
        droid_birth_file_id: text(birth_file.take()?),
    })
}

/// The bytes up to the first NUL (or the end), as UTF-8 with invalid
/// sequences replaced, as YARA-X decodes ANSI strings.
fn c_string(data: &[u8]) -> String {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    String::from_utf8_lossy(&data[..end]).into_owned()
}

/// UTF-16LE code units up to the first NUL (or the end), invalid ones
/// replaced.
fn utf16_string(data: &[u8]) -> String {
    let units: Vec<u16> = data
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .take_while(|&unit| unit != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(flags: u32) -> Vec<u8> {
        let mut h = HEADER_SIZE.to_le_bytes().to_vec();
        h.extend_from_slice(&LINK_CLSID);
        h.extend_from_slice(&flags.to_le_bytes());
        h.extend_from_slice(&0x20u32.to_le_bytes());
        let filetime = (FILETIME_UNIX_OFFSET + 1_000_000) * FILETIME_TICKS;
        for t in [filetime, 0, filetime] {
            h.extend_from_slice(&t.to_le_bytes());
        }
        for v in [1234u32, 5, 7] {
            h.extend_from_slice(&v.to_le_bytes());
        }
        h.extend_from_slice(&[0; 12]);
        h
    }

    #[test]
    fn header_strings_and_overlay() {
        let mut data = header(HAS_NAME | HAS_ARGUMENTS | IS_UNICODE);
        for s in ["Invoice", "/c calc"] {
            let units: Vec<u16> = s.encode_utf16().collect();
            data.extend_from_slice(&(units.len() as u16).to_le_bytes());
            data.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        }
        data.extend_from_slice(&0u32.to_le_bytes());
        let end = data.len();
        data.extend_from_slice(b"MZ payload");
        let lnk = parse(&data).expect("a LNK");
        assert_eq!(lnk.name.as_deref(), Some(&b"Invoice"[..]));
        assert_eq!(lnk.cmd_line_args.as_deref(), Some(&b"/c calc"[..]));
        assert_eq!((lnk.creation_time, lnk.access_time), (Some(1_000_000), None));
        assert_eq!(
            (lnk.file_size, lnk.icon_index, lnk.show_command),
            (Some(1234), Some(5), Some(7))
        );
        assert_eq!((lnk.overlay_offset, lnk.overlay_size), (count(end), Some(10)));
    }

    #[test]
    fn the_overlay_needs_the_terminal_block() {
        assert_eq!(parse(&header(0)).map(|l| (l.is_lnk, l.overlay_size)), Some((Some(true), None)));
        assert!(parse(b"L\0\0\0").is_none());
        let mut data = header(0);
        data.extend_from_slice(&[0; 4]);
        assert_eq!(parse(&data).map(|l| (l.overlay_size, l.overlay_offset)), Some((Some(0), None)));
    }

    #[test]
    fn shell_items_are_decoded_by_type() {
        let mut root = vec![0x1f, 0x50];
        root.extend_from_slice(&[0xe0, 0x4f, 0xd0, 0x20, 0xea, 0x3a, 0x69, 0x10, 0xa2, 0xd8]);
        root.extend_from_slice(&[0x08, 0x00, 0x2b, 0x30, 0x30, 0x9d]);
        let item = shell_item(&root).expect("an item");
        assert_eq!(item.item_type, Some(0x1f));
        assert_eq!(
            item.root_folder_id.as_deref(),
            Some(&b"20d04fe0-3aea-1069-a2d8-08002b30309d"[..])
        );
        let volume = shell_item(b"\x2fC:\\\0\0").expect("an item");
        assert_eq!(
            (volume.item_type, volume.volume_name.as_deref()),
            (Some(0x20), Some(&b"C:\\"[..]))
        );
        assert!(shell_item(&[]).is_none());
    }
}
