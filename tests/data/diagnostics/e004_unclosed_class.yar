rule a {
  strings:
    $a = /ab[cd/
  condition: $a
}
