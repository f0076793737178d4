rule a {
  condition: (1 - 2) of (true, false)
}
