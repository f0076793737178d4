rule short_base64 {
  strings:
    $a = "ab" base64
  condition:
    $a
}
