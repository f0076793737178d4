//! Bounds-checked reads of little- and big-endian integers, shared by the
//! file-format modules. Every read past the end is `None`, so parsers built
//! on it turn truncated or lying headers into undefined values, never into
//! a panic.

/// The GUID in the first 16 bytes of `bytes`, in its textual form
/// (`00021401-0000-0000-c000-000000000046`): the first three fields are
/// little-endian, as Windows stores them. `None` when fewer than 16 bytes.
#[must_use]
pub(crate) fn guid(bytes: &[u8]) -> Option<String> {
    let b: [u8; 16] = array_at(bytes, 0)?;
    let data1 = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let data2 = u16::from_le_bytes([b[4], b[5]]);
    let data3 = u16::from_le_bytes([b[6], b[7]]);
    let tail: String = b[10..].iter().map(|x| format!("{x:02x}")).collect();
    Some(format!("{data1:08x}-{data2:04x}-{data3:04x}-{:02x}{:02x}-{tail}", b[8], b[9]))
}

/// Reads `N` bytes at `offset`.
#[must_use]
pub(crate) fn array_at<const N: usize>(data: &[u8], offset: usize) -> Option<[u8; N]> {
    data.get(offset..offset.checked_add(N)?)?.try_into().ok()
}

/// A little-endian `u16` at `offset`.
#[must_use]
pub(crate) fn u16_le(data: &[u8], offset: usize) -> Option<u16> {
    array_at(data, offset).map(u16::from_le_bytes)
}

/// A little-endian `u32` at `offset`.
#[must_use]
pub(crate) fn u32_le(data: &[u8], offset: usize) -> Option<u32> {
    array_at(data, offset).map(u32::from_le_bytes)
}

/// A little-endian `u64` at `offset`.
#[must_use]
pub(crate) fn u64_le(data: &[u8], offset: usize) -> Option<u64> {
    array_at(data, offset).map(u64::from_le_bytes)
}

/// `len` bytes at `offset`.
#[must_use]
pub(crate) fn bytes_at(data: &[u8], offset: usize, len: usize) -> Option<&[u8]> {
    data.get(offset..offset.checked_add(len)?)
}

/// The NUL-terminated string at `offset`, at most `max` bytes long, without
/// its terminator. `None` if no terminator is found within `max` bytes or
/// before the end of the data.
#[must_use]
pub(crate) fn c_string_at(data: &[u8], offset: usize, max: usize) -> Option<&[u8]> {
    let tail = data.get(offset..)?;
    let window = &tail[..tail.len().min(max)];
    let end = memchr::memchr(0, window)?;
    Some(&window[..end])
}

/// Byte order of a multi-byte integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endian {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
}

impl Endian {
    /// A `u16` at `offset` in this byte order.
    #[must_use]
    pub(crate) fn u16(self, data: &[u8], offset: usize) -> Option<u16> {
        let bytes = array_at(data, offset)?;
        Some(match self {
            Endian::Little => u16::from_le_bytes(bytes),
            Endian::Big => u16::from_be_bytes(bytes),
        })
    }

    /// A `u32` at `offset` in this byte order.
    #[must_use]
    pub(crate) fn u32(self, data: &[u8], offset: usize) -> Option<u32> {
        let bytes = array_at(data, offset)?;
        Some(match self {
            Endian::Little => u32::from_le_bytes(bytes),
            Endian::Big => u32::from_be_bytes(bytes),
        })
    }

    /// A `u64` at `offset` in this byte order.
    #[must_use]
    pub(crate) fn u64(self, data: &[u8], offset: usize) -> Option<u64> {
        let bytes = array_at(data, offset)?;
        Some(match self {
            Endian::Little => u64::from_le_bytes(bytes),
            Endian::Big => u64::from_be_bytes(bytes),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_at_the_end() {
        let data = [1, 2, 3, 4, 5];
        assert_eq!(u32_le(&data, 0), Some(0x0403_0201));
        assert_eq!(u32_le(&data, 2), None);
        assert_eq!(u16_le(&data, usize::MAX), None);
        assert_eq!(Endian::Big.u16(&data, 0), Some(0x0102));
        assert_eq!(bytes_at(&data, 4, 2), None);
    }

    #[test]
    fn c_strings_need_a_terminator_within_the_limit() {
        let data = b"abc\0defg";
        assert_eq!(c_string_at(data, 0, 10), Some(&b"abc"[..]));
        assert_eq!(c_string_at(data, 0, 2), None);
        assert_eq!(c_string_at(data, 4, 10), None);
        assert_eq!(c_string_at(data, 100, 10), None);
    }
}
