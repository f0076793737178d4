rule a {
  strings:
    $a = "x"
  condition: any of them in (100..0)
}
