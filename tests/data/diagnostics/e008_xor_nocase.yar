rule a {
  strings:
    $a = "abc" nocase xor
  condition: $a
}
