//! Literal forms: a fixed byte string, compared under a case and xor rule.

use serde::{Deserialize, Serialize};

use super::base64;

/// A fixed byte string, compared under a case and xor rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Literal {
    /// The bytes before any xor.
    #[serde(with = "crate::byte_strings::bytes")]
    pub bytes: Vec<u8>,
    /// ASCII letters compare case-insensitively.
    pub nocase: bool,
    /// The `xor` key range, inclusive.
    pub xor: Option<(u8, u8)>,
    /// For a base64 form, what the data around a match must decode to.
    pub base64: Option<Box<base64::DecodeCheck>>,
}

impl Literal {
    /// Whether the literal matches `data` at `start` under xor `key`.
    pub(crate) fn matches_at(&self, data: &[u8], start: usize, key: u8) -> bool {
        let Some(window) = start.checked_add(self.bytes.len()).and_then(|end| data.get(start..end))
        else {
            return false;
        };
        let equal = if self.nocase {
            window.eq_ignore_ascii_case(&self.bytes)
        } else if key == 0 {
            window == self.bytes
        } else {
            window.iter().zip(&self.bytes).all(|(&seen, &byte)| seen == byte ^ key)
        };
        equal && self.base64.as_ref().is_none_or(|check| check.holds(data, start))
    }

    /// The xor key under which the literal would start at `offset`: the
    /// one that turns the byte there into its first byte, if in range.
    pub(crate) fn key_at(&self, data: &[u8], offset: usize) -> Option<u8> {
        match self.xor {
            Some((min, max)) => {
                let key = data.get(offset)? ^ self.bytes.first()?;
                (min..=max).contains(&key).then_some(key)
            }
            None => Some(0),
        }
    }
}
