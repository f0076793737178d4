rule a {
  strings:
    $a = "xxx"
  condition: 1.5 of them
}
