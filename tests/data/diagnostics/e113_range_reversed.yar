rule a {
  strings:
    $a = "x"
  condition: #a in (10..5) == 0
}
