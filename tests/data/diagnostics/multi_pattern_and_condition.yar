rule a {
  strings:
    $a = "x"
    $a = "y"
  condition: $a and z
}
