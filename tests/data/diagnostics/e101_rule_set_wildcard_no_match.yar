rule a {
  condition: true
}

rule b {
  condition: any of (x*)
}
