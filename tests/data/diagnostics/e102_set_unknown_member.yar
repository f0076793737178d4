rule a {
  strings:
    $a = "xxx"
  condition: any of ($a, $c)
}
