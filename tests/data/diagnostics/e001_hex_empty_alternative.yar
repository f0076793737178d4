rule a {
  strings:
    $a = { 4D ( 01 | ) 5A }
  condition: $a
}
