rule a {
  strings:
    $a = "xxx"
  condition: $a at "x"
}
