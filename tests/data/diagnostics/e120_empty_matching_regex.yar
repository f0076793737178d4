rule empty_matching {
  strings:
    $a = "fine"
    $b = /ab*|c*/
  condition:
    any of them
}
