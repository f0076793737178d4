rule a {
  strings:
    $a = "xxx"
  condition: $a in (-1..10)
}
