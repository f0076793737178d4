// SYNTAX TEST "source.yara" "rules, sections and literals"
import "pe"
// <------ keyword.control.import.yara
//      ^^ entity.name.namespace.yara
include "common.yar"
// <------- keyword.control.import.yara
//       ^^^^^^^^^^ string.quoted.double.yara
/* a block
// <-- comment.block.yara punctuation.definition.comment.begin.yara
   comment */
// ^^^^^^^ comment.block.yara
private global rule Demo_1 : apt loader {
// <------- storage.modifier.yara
//      ^^^^^^ storage.modifier.yara
//             ^^^^ storage.type.rule.yara
//                  ^^^^^^ entity.name.type.rule.yara
//                           ^^^ entity.name.tag.yara
//                               ^^^^^^ entity.name.tag.yara
  meta:
//^^^^ keyword.other.section.yara
    author = "a \"quoted\" name\x41\n" // trailing
//  ^^^^^^ variable.other.meta.yara
//         ^ keyword.operator.assignment.yara
//              ^^ constant.character.escape.yara
//                             ^^^^ constant.character.escape.yara
//                                 ^^ constant.character.escape.yara
//                         ^^^^ string.quoted.double.yara
//                                     ^^^^^^^^^^^ comment.line.double-slash.yara
    score = -75
//  ^^^^^ variable.other.meta.yara
//           ^^ constant.numeric.decimal.yara
    active = true
//           ^^^^ constant.language.boolean.yara
  strings:
//^^^^^^^ keyword.other.section.yara
    $text = "MZ\x90" nocase wide ascii fullword private
//  ^^^^^ variable.other.pattern.yara
//             ^^^^ constant.character.escape.yara
//                   ^^^^^^ storage.modifier.pattern.yara
//                                     ^^^^^^^^ storage.modifier.pattern.yara
//                                              ^^^^^^^ storage.modifier.yara
    $xor = "key" xor(1-255) base64wide("0123")
//               ^^^ storage.modifier.pattern.yara
//                     ^^^ constant.numeric.decimal.yara
//                          ^^^^^^^^^^ storage.modifier.pattern.yara
    $hex = { 4D 5A ?? ?0 [2-4] ( 01 | 02 ) ~FF [-] } // MZ
//  ^^^^ variable.other.pattern.yara
//         ^ punctuation.definition.hex.begin.yara
//           ^^ constant.numeric.hex.yara
//                 ^^ constant.character.wildcard.yara
//                    ^^ constant.numeric.hex.yara
//                       ^ punctuation.definition.jump.begin.yara
//                        ^ constant.numeric.decimal.yara
//                         ^ keyword.operator.range.yara
//                             ^ punctuation.definition.alternation.yara
//                                  ^ keyword.operator.alternation.yara
//                                         ^^^ constant.numeric.hex.yara
//                                                 ^ punctuation.definition.hex.end.yara
//                                                   ^^^^^ comment.line.double-slash.yara
    $re = /ab[c-e]+\/x{2,3}/is
//        ^^^ string.regexp.yara
//           ^^^^^ constant.other.character-class.regexp.yara
//                 ^^ constant.character.escape.yara
//                    ^^^^^ keyword.operator.quantifier.regexp.yara
//                          ^^ keyword.other.regex-modifier.yara
  condition:
//^^^^^^^^^ keyword.other.section.yara
    $text and #hex > 2 and @re[1] < 0x100 and !re[1] == 10KB and any of ($x*, $)
//  ^^^^^ variable.other.pattern.yara
//        ^^^ keyword.operator.logical.yara
//            ^^^^ variable.other.pattern.yara
//                         ^^^ variable.other.pattern.yara
//                                  ^^^^^ constant.numeric.hex.yara
//                                            ^^^ variable.other.pattern.yara
//                                                   ^^ keyword.operator.comparison.yara
//                                                      ^^ constant.numeric.decimal.yara
//                                                        ^^ keyword.other.unit.yara
//                                                               ^^^ keyword.control.yara
//                                                                   ^^ keyword.control.yara
//                                                                       ^^^ variable.other.pattern.yara
//                                                                            ^ variable.other.pattern.yara
    and filesize < 2MB and uint16(0) == 0x5A4D and not defined pe.rich_signature
//      ^^^^^^^^ variable.language.yara
//                  ^^ keyword.other.unit.yara
//                         ^^^^^^ support.function.reader.yara
//                                                 ^^^ keyword.operator.logical.yara
//                                                     ^^^^^^^ keyword.operator.word.yara
//                                                             ^^ entity.name.namespace.yara
//                                                                ^^^^^^^^^^^^^^ variable.other.property.yara
    and float64be(8) > 0.5
//      ^^^^^^^^^ support.function.reader.yara
    and pe.imports("kernel32.dll", "Sleep") and pe.sections[0].name matches /\.text/i
//         ^^^^^^^ entity.name.function.member.yara
//                  ^^^^^^^^^^^^ string.quoted.double.yara
//                                                             ^^^^ variable.other.property.yara
//                                                                  ^^^^^^^ keyword.operator.word.yara
//                                                                          ^^^^^^^^ string.regexp.yara
//                                                                           ^^ constant.character.escape.yara
    and for all i in (1..#hex) : (@hex[i] + 4 <= filesize \ 2)
//      ^^^ keyword.control.yara
//          ^^^ keyword.control.yara
//                ^^ keyword.control.yara
//                     ^^ keyword.operator.range.yara
//                                                        ^ keyword.operator.arithmetic.yara
//                                            ^^ keyword.operator.comparison.yara
    and with n = math.entropy(0, filesize) : (n >= 7.5) and "a" icontains "A"
//      ^^^^ keyword.control.yara
//               ^^^^ entity.name.namespace.yara
//                    ^^^^^^^ entity.name.function.member.yara
//                                                 ^^^ constant.numeric.decimal.yara
//                                                              ^^^^^^^^^ keyword.operator.word.yara
}
