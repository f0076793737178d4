rule a {
  strings:
    $a1 = "xxx"
    $a2 = "yyy"
    $b = "zzz"
  condition: all of ($a*)
}
