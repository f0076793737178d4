rule a {
  condition: for any i, i in (1..2) : (true)
}
