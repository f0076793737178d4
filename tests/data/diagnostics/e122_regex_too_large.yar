rule big {
  strings:
    $a = /(a{1000}){1000}/
  condition:
    $a
}
