rule a {
  condition: for any i in (-5..-1) : (i < 0)
}
