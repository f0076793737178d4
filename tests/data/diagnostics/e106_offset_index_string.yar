rule a {
  strings:
    $a = "xxx"
  condition: @a["x"] == 0
}
