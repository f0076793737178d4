rule a {
  strings:
    $a = "xxx"
  condition: (0 - 10)% of them
}
