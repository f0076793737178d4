rule a {
  strings:
    $a = "xxx"
    $b = "yyy"
  condition: 5 of ($a, $b)
}
