rule a {
  strings:
    $a = "x"
  condition: $a at "x"
}
