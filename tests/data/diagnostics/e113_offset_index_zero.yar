rule a {
  strings:
    $a = "x"
  condition: @a[0] == 0
}
