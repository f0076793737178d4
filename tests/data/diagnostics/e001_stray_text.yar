hello
rule a {
  condition: true
}
