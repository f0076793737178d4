rule a {
  strings:
    $a = "xxx"
  condition: $a in (0..9223372036854775807 + 5)
}
