rule a {
  strings:
    $a = "x"
    $b = "y"
  condition: 5 of ($a, $b)
}
