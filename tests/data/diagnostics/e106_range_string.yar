rule a {
  condition: for any i in ("a".."b") : (true)
}
