rule a {
  strings:
    $a = /abc/ base64
  condition: $a
}
