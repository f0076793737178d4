rule a {
  strings:
    $a = "xxx"
  condition: $a in (0.."z")
}
