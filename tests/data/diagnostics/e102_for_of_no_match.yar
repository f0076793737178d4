rule a {
  strings:
    $a = "xxx"
  condition: $a and for any of ($b*) : ($)
}
