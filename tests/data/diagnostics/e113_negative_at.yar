rule a {
  strings:
    $a = "x"
  condition: $a at -1
}
