rule a {
  strings:
    $a = "x"
  condition: "x" of them
}
