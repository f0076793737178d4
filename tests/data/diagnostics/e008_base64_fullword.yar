rule a {
  strings:
    $a = "abc" base64 fullword
  condition: $a
}
