rule a {
  condition: true
}

rule b {
  condition: true
}

rule b {
  condition: true
}
