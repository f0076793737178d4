rule a {
  strings:
    $a = "abc" xor base64
  condition: $a
}
