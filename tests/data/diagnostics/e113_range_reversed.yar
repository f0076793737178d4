rule a {
  strings:
    $a = "xxx"
  condition: #a in (10..5) == 0
}
