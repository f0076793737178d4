rule a {
  strings:
    $a = "abc" xor(5-2)
  condition: $a
}
