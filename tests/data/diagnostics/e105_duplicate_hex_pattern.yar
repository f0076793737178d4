rule a {
  strings:
    $h = { 4D 5A }
    $t = "x"
    $h = { 50 45 }
  condition: any of them
}
