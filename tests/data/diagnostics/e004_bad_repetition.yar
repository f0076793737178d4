rule a {
  strings:
    $a = /a{3,1}/
  condition: $a
}
