rule a {
  strings:
    $a = "xxx"
  condition: 150% of them
}
