rule a {
  strings:
    $a1 = "x"
    $a2 = "y"
    $b = "z"
  condition: all of ($a*)
}
