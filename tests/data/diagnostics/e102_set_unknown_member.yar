rule a {
  strings:
    $a = "x"
  condition: any of ($a, $c)
}
