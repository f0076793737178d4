rule a {
  strings:
    $a = "x"
    $a = "y"
  condition: all of them
}
