rule a {
  strings:
    $a = "xxx"
  condition: !a[-1] == 0
}
