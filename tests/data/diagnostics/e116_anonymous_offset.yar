rule a {
  strings:
    $a = "xxx"
  condition: $a and @ == 0
}
