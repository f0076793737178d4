rule a {
  strings:
    $a = "x"
  condition: $a and for any i in (1..2) : ($ at i)
}
