rule a {
  strings:
    $a = "xxx"
    $b = "yyy"
  condition: $a
}
