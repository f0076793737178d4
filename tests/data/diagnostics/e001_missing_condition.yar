rule a {
  strings:
    $a = "x"
}
