rule a {
  strings:
    $a = "xxx"
  condition: $a and for any i in (1..2) : ($ at i)
}
