rule a {
  condition: with x = "a" : (x * 2 == 2)
}
