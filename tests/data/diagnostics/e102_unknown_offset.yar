rule a {
  strings:
    $a = "x"
  condition: $a and @b[1] == 0
}
