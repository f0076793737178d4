rule a {
  strings:
    $a = "x"
  condition: !a[-1] == 0
}
