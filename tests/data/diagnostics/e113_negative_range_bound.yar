rule a {
  strings:
    $a = "x"
  condition: $a in (-1..10)
}
