//! Hex strings as a `regex_syntax` HIR.
//!
//! `4D` is a literal byte, `4?`/`?D`/`??` a class of the bytes equal under
//! the mask, `~4D` its complement, `[n-m]` a *lazy* repetition of any byte
//! (YARA-X: `{ 61 [1-3] 62 }` on `axbxb` matches `axb`, not `axbxb`),
//! `( a | b )` an alternation, tried in order.
//!
//! Jumps cost nothing in the HIR itself; the Thompson NFA of a bounded jump
//! has one state per skipped byte, so very long bounded jumps are refused by
//! the regex size limit rather than by a limit here. An unbounded jump
//! `[n-]` is cheap.

use regex_syntax::hir::{Class, ClassBytes, ClassBytesRange, Hir, Repetition};

use super::PatternError;
use crate::parser::ast::{HexString, HexToken};

/// How deeply alternatives may nest. YARA's own grammar stops far earlier;
/// the bound keeps the recursive conversion off the stack limit for hostile
/// ASTs.
const MAX_ALTERNATIVE_NESTING: usize = 64;

/// Converts a hex string to a HIR.
pub(crate) fn to_hir(hex: &HexString) -> Result<Hir, PatternError> {
    sequence(&hex.tokens, 0)
}

fn sequence(tokens: &[HexToken], depth: usize) -> Result<Hir, PatternError> {
    if depth > MAX_ALTERNATIVE_NESTING {
        return Err(PatternError::OverLimit(format!(
            "hex alternatives nested deeper than {MAX_ALTERNATIVE_NESTING}"
        )));
    }
    let mut parts = Vec::with_capacity(tokens.len());
    for token in tokens {
        parts.push(match token {
            HexToken::Byte { value, mask: 0xFF } => Hir::literal([*value]),
            HexToken::Byte { value, mask } => Hir::class(Class::Bytes(masked(*value, *mask))),
            HexToken::NotByte { value, mask } => {
                let mut class = masked(*value, *mask);
                class.negate();
                Hir::class(Class::Bytes(class))
            }
            HexToken::Jump { max: Some(0), .. } => {
                return Err(PatternError::InvalidPattern(
                    "zero-length jumps are useless, remove it".to_owned(),
                ));
            }
            HexToken::Jump { min, max, .. } => Hir::repetition(Repetition {
                min: *min,
                max: *max,
                greedy: false,
                sub: Box::new(any_byte()),
            }),
            HexToken::Alternatives(alternatives) => Hir::alternation(
                alternatives
                    .iter()
                    .map(|alternative| sequence(alternative, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
        });
    }
    Ok(Hir::concat(parts))
}

/// The bytes `b` with `b & mask == value & mask`.
fn masked(value: u8, mask: u8) -> ClassBytes {
    ClassBytes::new(
        (0..=u8::MAX)
            .filter(|byte| byte & mask == value & mask)
            .map(|byte| ClassBytesRange::new(byte, byte)),
    )
}

fn any_byte() -> Hir {
    Hir::class(Class::Bytes(ClassBytes::new([ClassBytesRange::new(0, u8::MAX)])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn byte(value: u8) -> HexToken {
        HexToken::Byte { value, mask: 0xFF }
    }

    #[test]
    fn nibble_masks_are_classes() {
        let ranges = |class: ClassBytes| {
            class.iter().map(|range| (range.start(), range.end())).collect::<Vec<_>>()
        };
        assert_eq!(ranges(masked(0x40, 0xF0)), [(0x40, 0x4F)]);
        assert_eq!(ranges(masked(0x0D, 0x0F)).len(), 16);
        assert_eq!(ranges(masked(0, 0)), [(0, 0xFF)]);
    }

    #[test]
    fn nesting_is_bounded() {
        let mut token = byte(1);
        for _ in 0..=MAX_ALTERNATIVE_NESTING + 1 {
            token = HexToken::Alternatives(vec![vec![token], vec![byte(2)]]);
        }
        let hex = HexString { tokens: vec![token], span: Span::new(0, 0) };
        assert!(matches!(to_hir(&hex), Err(PatternError::OverLimit(_))));
    }
}
