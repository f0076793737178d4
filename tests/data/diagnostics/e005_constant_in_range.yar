rule a {
  strings:
    $a = "x"
  condition: $a in (0..9223372036854775807 + 5)
}
