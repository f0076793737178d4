rule a {
  strings:
    $a = "x"
  condition: $a * 2 == 2
}
