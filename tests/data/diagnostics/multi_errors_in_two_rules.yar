rule a {
  condition: x
}

rule b {
  strings:
    $a = "xxx"
  condition: $b
}
