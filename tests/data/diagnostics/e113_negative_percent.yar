rule a {
  strings:
    $a = "x"
  condition: -10% of them
}
