rule a {
  condition: true
}

rule b
  condition: a
}
