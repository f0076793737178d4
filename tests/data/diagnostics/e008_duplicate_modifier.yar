rule a {
  strings:
    $a = "abc" wide wide
  condition: $a
}
