rule a {
  strings:
    $a = /abc/ xor
  condition: $a
}
