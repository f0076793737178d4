//! A cursor over Mach-O bytes in the file's byte order. Every read that
//! runs past the end is `None`: a structure that does not fit ends the
//! parse of whatever holds it, as in YARA-X, and never panics.

use crate::modules::binary::Endian;

/// The unread rest of some bytes, read in one byte order.
#[derive(Clone, Copy)]
pub(super) struct Reader<'a> {
    pub rest: &'a [u8],
    pub endian: Endian,
}

impl<'a> Reader<'a> {
    pub fn new(rest: &'a [u8], endian: Endian) -> Self {
        Self { rest, endian }
    }

    /// The next `len` bytes.
    pub fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        if len > self.rest.len() {
            return None;
        }
        let (head, tail) = self.rest.split_at(len);
        self.rest = tail;
        Some(head)
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    pub fn u16(&mut self) -> Option<u16> {
        let v = self.endian.u16(self.rest, 0)?;
        self.rest = &self.rest[2..];
        Some(v)
    }

    pub fn u32(&mut self) -> Option<u32> {
        let v = self.endian.u32(self.rest, 0)?;
        self.rest = &self.rest[4..];
        Some(v)
    }

    pub fn u64(&mut self) -> Option<u64> {
        let v = self.endian.u64(self.rest, 0)?;
        self.rest = &self.rest[8..];
        Some(v)
    }

    /// An address or size: 32 bits in 32-bit files, 64 in others.
    pub fn word(&mut self, is_32: bool) -> Option<u64> {
        if is_32 { self.u32().map(u64::from) } else { self.u64() }
    }

    /// `N` words of 32 bits.
    pub fn u32s<const N: usize>(&mut self) -> Option<[u32; N]> {
        let mut words = [0; N];
        for word in &mut words {
            *word = self.u32()?;
        }
        Some(words)
    }

    /// The bytes up to a NUL, which is consumed; `None` without one.
    pub fn c_string(&mut self) -> Option<&'a [u8]> {
        let end = memchr::memchr(0, self.rest)?;
        let s = &self.rest[..end];
        self.rest = &self.rest[end + 1..];
        Some(s)
    }

    /// An unsigned LEB128 number; `None` when it runs past the end or has
    /// a group past bit 63 (higher bits of the last group are dropped).
    pub fn uleb128(&mut self) -> Option<u64> {
        let mut value = 0u64;
        let mut shift = 0u32;
        loop {
            let byte = self.u8()?;
            value |= u64::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(value);
            }
            shift += 7;
        }
    }

    /// A signed LEB128 number, with the limits of [`Reader::uleb128`].
    pub fn sleb128(&mut self) -> Option<i64> {
        let mut value = 0i64;
        let mut shift = 0u32;
        loop {
            let byte = self.u8()?;
            value |= i64::from(byte & 0x7f).checked_shl(shift)?;
            shift += 7;
            if byte & 0x80 == 0 {
                if shift < i64::BITS && byte & 0x40 != 0 {
                    value |= !0 << shift;
                }
                return Some(value);
            }
        }
    }
}

/// The bytes up to the first NUL, or all of them without one.
pub(super) fn c_string_or_rest(bytes: &[u8]) -> &[u8] {
    &bytes[..memchr::memchr(0, bytes).unwrap_or(bytes.len())]
}

/// `bytes` without its trailing NULs (names in fixed-size fields).
pub(super) fn trim_nuls(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    &bytes[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &[u8]) -> Reader<'_> {
        Reader::new(bytes, Endian::Little)
    }

    #[test]
    fn leb128_numbers() {
        assert_eq!(reader(&[0xe5, 0x8e, 0x26]).uleb128(), Some(624_485));
        assert_eq!(reader(&[0x80, 0x80, 0x80, 0x00]).uleb128(), Some(0));
        assert_eq!(reader(&[0x80; 10]).uleb128(), None, "past bit 63");
        assert_eq!(reader(&[0x80]).uleb128(), None, "cut short");
        assert_eq!(reader(&[0xc7, 0x9f, 0x7f]).sleb128(), Some(-12345));
        assert_eq!(reader(&[0x7f]).sleb128(), Some(-1));
        assert_eq!(reader(&[0xff, 0x00]).sleb128(), Some(127));
    }

    #[test]
    fn strings_need_their_terminator() {
        let mut r = reader(b"ab\0c");
        assert_eq!(r.c_string(), Some(&b"ab"[..]));
        assert_eq!(r.c_string(), None);
        assert_eq!(trim_nuls(b"__TEXT\0\0"), b"__TEXT");
        assert_eq!(trim_nuls(b"a\0b\0"), b"a\0b");
        assert_eq!(c_string_or_rest(b"a\0b\0"), b"a");
        assert_eq!(c_string_or_rest(b"ab"), b"ab");
    }
}
