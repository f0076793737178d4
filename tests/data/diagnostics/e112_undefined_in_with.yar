rule a {
  condition: with x = 1 : (x == 1) and with y = nope : (y == 1)
}
