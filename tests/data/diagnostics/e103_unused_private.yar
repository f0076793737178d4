rule a {
  strings:
    $a = "x" private
    $b = "y"
  condition: $b
}
