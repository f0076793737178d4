rule a {
  strings:
    $a = { 4D [6-2] 5A }
  condition: $a
}
