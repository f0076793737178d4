rule a {
  strings:
    $a = { 4D ( 01 [-] 02 | 03 ) 5A }
  condition: $a
}
