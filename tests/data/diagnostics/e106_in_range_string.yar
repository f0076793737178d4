rule a {
  strings:
    $a = "x"
  condition: $a in (0.."z")
}
