rule a {
  strings:
    $a = "x"
  condition: $b at 0 and $a
}
