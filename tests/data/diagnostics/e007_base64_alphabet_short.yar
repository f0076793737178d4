rule a {
  strings:
    $a = "abc" base64("abc")
  condition: $a
}
