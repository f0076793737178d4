rule a {
  strings:
    $a = "x"
  condition: 1.5 of them
}
