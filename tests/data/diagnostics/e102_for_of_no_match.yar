rule a {
  strings:
    $a = "x"
  condition: $a and for any of ($b*) : ($)
}
