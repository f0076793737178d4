rule a {
  strings:
    $a = "xxx"
  condition: @a[0] == 0
}
