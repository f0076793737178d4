rule short_base64wide {
  strings:
    $a = "\x01\x02" base64wide
  condition:
    $a
}
