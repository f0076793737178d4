rule text_as_hex {
  strings:
    $a = { 63 6D 64 2E 65 78 65 }
  condition:
    $a
}
