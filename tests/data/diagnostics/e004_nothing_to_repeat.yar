rule a {
  strings:
    $a = /*abc/
  condition: $a
}
