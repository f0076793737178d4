rule a {
  strings:
    $a = { 4D 5A [2] }
  condition: $a
}
