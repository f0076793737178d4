rule a {
  condition: x
}

rule b {
  strings:
    $a = "x"
  condition: $b
}
