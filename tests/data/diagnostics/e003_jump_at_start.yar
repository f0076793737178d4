rule a {
  strings:
    $a = { [2] 4D 5A }
  condition: $a
}
