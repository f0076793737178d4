rule a {
  strings:
    $a = { 4D 5G }
  condition: $a
}
