rule a {
  strings:
    $a = "x"
  condition: (0 - 10)% of them
}
