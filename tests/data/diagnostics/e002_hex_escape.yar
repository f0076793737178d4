rule a {
  strings:
    $a = "ab\xZZ"
  condition: $a
}
