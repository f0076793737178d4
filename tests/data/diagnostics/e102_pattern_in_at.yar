rule a {
  strings:
    $a = "xxx"
  condition: $b at 0 and $a
}
