//! A minimal DER reader for the parts of PKCS#7 and X.509 that code
//! signatures use (Authenticode in `pe`, the CMS blob of `macho`, the
//! signed header of `crx`):
//! tag-length-value elements with short (one-byte) tags. [`read_ber`] also
//! takes BER's indefinite lengths, which Apple's signatures use.

/// Universal tags and context tags used by the callers.
pub(crate) mod tag {
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const OID: u8 = 0x06;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    pub const UTC_TIME: u8 = 0x17;
    pub const GENERALIZED_TIME: u8 = 0x18;
    /// `[0]`, constructed.
    pub const CONTEXT_0: u8 = 0xa0;
    /// `[1]`, constructed.
    pub const CONTEXT_1: u8 = 0xa1;
}

/// One element.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    /// The contents.
    pub value: &'a [u8],
    /// The whole encoding, tag and length included.
    pub raw: &'a [u8],
}

/// Reads the element at the start of `input`; returns it and what follows.
pub(crate) fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let tag = *input.first()?;
    if tag & 0x1f == 0x1f {
        return None; // multi-byte tags do not occur here
    }
    let first = *input.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = input.get(2..2 + n)?;
        (bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b)), 2 + n)
    };
    let end = header.checked_add(len)?;
    let raw = input.get(..end)?;
    Some((Tlv { tag, value: &raw[header..], raw }, &input[end..]))
}

/// Nesting of indefinite-length elements read at most.
const MAX_INDEFINITE_DEPTH: usize = 32;

/// Reads the element at the start of `input` as [`read`] does, also when
/// it has an indefinite length (`0x80`): its value then runs to the
/// end-of-contents mark (two zero bytes) that closes it, which `value`
/// excludes and `raw` includes.
pub(crate) fn read_ber(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    read_ber_at_depth(input, 0)
}

fn read_ber_at_depth(input: &[u8], depth: usize) -> Option<(Tlv<'_>, &[u8])> {
    if input.get(1) != Some(&0x80) {
        return read(input);
    }
    let tag = *input.first()?;
    if tag & 0x20 == 0 || depth >= MAX_INDEFINITE_DEPTH {
        return None; // only constructed elements may be indefinite
    }
    let mut rest = &input[2..];
    while !rest.starts_with(&[0, 0]) {
        rest = read_ber_at_depth(rest, depth + 1)?.1;
    }
    let end = input.len() - rest.len();
    Some((Tlv { tag, value: &input[2..end], raw: &input[..end + 2] }, &rest[2..]))
}

/// The elements inside a constructed element read with [`read_ber`], up
/// to the first bad one.
pub(crate) fn children_ber(value: &[u8]) -> impl Iterator<Item = Tlv<'_>> {
    elements(value, read_ber)
}

/// Reads an element that must have tag `tag`.
pub(crate) fn expect(input: &[u8], tag: u8) -> Option<(Tlv<'_>, &[u8])> {
    let (tlv, rest) = read(input)?;
    (tlv.tag == tag).then_some((tlv, rest))
}

/// The elements inside a constructed element, up to the first bad one.
pub(crate) fn children(value: &[u8]) -> impl Iterator<Item = Tlv<'_>> {
    elements(value, read)
}

/// A reader of one element: [`read`] or [`read_ber`].
type ElementReader<'a> = fn(&'a [u8]) -> Option<(Tlv<'a>, &'a [u8])>;

/// The elements of `value`, each read by `read_one`, up to the first bad
/// one.
fn elements<'a>(value: &'a [u8], read_one: ElementReader<'a>) -> impl Iterator<Item = Tlv<'a>> {
    let mut rest = value;
    std::iter::from_fn(move || {
        let (tlv, next) = read_one(rest)?;
        rest = next;
        Some(tlv)
    })
}

/// An object identifier in dotted form.
pub(crate) fn oid_string(value: &[u8]) -> Option<String> {
    let first = *value.first()?;
    let mut parts = vec![u64::from(first / 40).min(2), 0];
    parts[1] = u64::from(first) - parts[0] * 40;
    let mut acc: u64 = 0;
    for &b in &value[1..] {
        acc = acc.checked_mul(128)? | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            parts.push(acc);
            acc = 0;
        }
    }
    Some(parts.iter().map(u64::to_string).collect::<Vec<_>>().join("."))
}

/// Seconds since the epoch of a UTCTime or GeneralizedTime (`...Z`).
pub(crate) fn time(tlv: &Tlv<'_>) -> Option<i64> {
    let s = std::str::from_utf8(tlv.value).ok()?;
    let s = s.strip_suffix('Z')?;
    let (year, rest) = match tlv.tag {
        tag::UTC_TIME => {
            let yy: i64 = s.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        tag::GENERALIZED_TIME => (s.get(..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let field = |i: usize| -> Option<i64> { rest.get(i..i + 2)?.parse().ok() };
    let (month, day, hour, minute) = (field(0)?, field(2)?, field(4)?, field(6)?);
    let second = field(8).unwrap_or(0);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_elements() {
        let data = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xff, 0x00];
        let (seq, rest) = expect(&data, tag::SEQUENCE).unwrap();
        assert_eq!(rest, &[0x00]);
        let kids: Vec<_> = children(seq.value).collect();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[1].value, &[0xff]);
        assert!(read(&[0x30, 0x82, 0x01]).is_none());
    }

    #[test]
    fn reads_indefinite_lengths() {
        let data = [0x30, 0x80, 0xa0, 0x80, 0x02, 0x01, 0x05, 0, 0, 0x04, 0x01, 0xff, 0, 0, 0x01];
        let (seq, rest) = read_ber(&data).unwrap();
        assert_eq!((seq.tag, rest), (tag::SEQUENCE, &[0x01][..]));
        let kids: Vec<_> = children_ber(seq.value).collect();
        assert_eq!(kids.len(), 2);
        assert_eq!(children_ber(kids[0].value).next().unwrap().value, &[0x05]);
        assert!(read_ber(&[0x30, 0x80, 0x02, 0x01, 0x05]).is_none(), "no end mark");
        assert!(read_ber(&[0x04, 0x80, 0, 0]).is_none(), "primitive");
    }

    #[test]
    fn oids_and_times() {
        assert_eq!(
            oid_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]).unwrap(),
            "1.2.840.113549.1.1.11"
        );
        let t = Tlv { tag: tag::UTC_TIME, value: b"231114221320Z", raw: b"" };
        assert_eq!(time(&t), Some(1_700_000_000));
    }
}
