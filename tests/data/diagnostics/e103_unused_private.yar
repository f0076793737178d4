rule a {
  strings:
    $a = "xxx" private
    $b = "yyy"
  condition: $b
}
