rule redundant_modifiers {
  strings:
    $a = "abc" ascii wide
    $b = "1234" nocase
    $c = /abc/i nocase
  condition:
    any of them
}
