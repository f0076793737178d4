rule a {
  strings:
    $a = "xxx"
  condition: true
}
