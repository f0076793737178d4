rule a {
  strings:
    $a = { }
  condition: $a
}
