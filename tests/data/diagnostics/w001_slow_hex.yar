rule slow_hex {
  strings:
    $a = { 4D ?? ?? 5A }
  condition:
    $a
}
