rule a {
  condition: for any i in (1..3) : (i == 2 and b)
}

rule b {
  condition: true
}
