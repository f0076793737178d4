rule a {
  strings:
    $a = "xxx"
    $a = "yyy"
  condition: $a and z
}
