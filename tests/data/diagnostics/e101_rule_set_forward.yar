rule a {
  condition: any of (b)
}

rule b {
  condition: true
}
