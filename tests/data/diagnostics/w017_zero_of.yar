rule zero_of {
  strings:
    $a = "one"
    $b = "two"
  condition:
    0 of them
}
