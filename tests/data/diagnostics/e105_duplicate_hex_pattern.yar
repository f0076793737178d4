rule a {
  strings:
    $h = { 4D 5A }
    $t = "xxx"
    $h = { 50 45 }
  condition: any of them
}
