rule a {
  condition: true
}

rule b {
  condition: any of (a) at 0
}
