rule a {
  strings:
    $a = "xxx"
  condition: $a and !b[1] == 0
}
