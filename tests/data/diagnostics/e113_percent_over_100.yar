rule a {
  strings:
    $a = "x"
  condition: 150% of them
}
