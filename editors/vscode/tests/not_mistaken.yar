// SYNTAX TEST "source.yara" "what must not be mistaken for something else"
rule braces_are_no_hex_string {
//                            ^ source.yara - meta.hex-string.yara punctuation.definition.hex.begin.yara
  strings:
    $url = "http://x/*y*/" ascii
//               ^^^^^^^^ string.quoted.double.yara - comment
//                         ^^^^^ storage.modifier.pattern.yara
  condition:
    $url != 0 and #url \ 2 == 1 and "{ 4D }" contains "/" // end
//       ^^ keyword.operator.comparison.yara - variable.other.pattern.yara
//                     ^ keyword.operator.arithmetic.yara - string.regexp.yara
//                                   ^^^^^^ string.quoted.double.yara - constant.numeric.hex.yara
//                                                    ^^^ string.quoted.double.yara - string.regexp.yara
//                                                        ^^^^^^ comment.line.double-slash.yara
}
rule after_the_first { condition: braces_are_no_hex_string }
// <---- storage.type.rule.yara
//   ^^^^^^^^^^^^^^^ entity.name.type.rule.yara
//                                ^^^^^^^^^^^^^^^^^^^^^^^^ variable.other.yara
