rule a {
  condition: for any i in (1..2) : (i == 1) and i == 2
}
