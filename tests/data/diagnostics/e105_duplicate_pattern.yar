rule a {
  strings:
    $a = "xxx"
    $a = "yyy"
  condition: all of them
}
