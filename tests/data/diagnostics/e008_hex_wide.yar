rule a {
  strings:
    $a = { 4D 5A } wide
  condition: $a
}
