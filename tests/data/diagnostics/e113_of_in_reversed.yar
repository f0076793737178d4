rule a {
  strings:
    $a = "xxx"
  condition: any of them in (100..0)
}
