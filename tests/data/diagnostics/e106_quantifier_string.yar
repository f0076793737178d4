rule a {
  strings:
    $a = "xxx"
  condition: "x" of them
}
