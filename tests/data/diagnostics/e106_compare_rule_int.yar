rule a {
  condition: true
}

rule b {
  condition: a + 1 == 2
}
