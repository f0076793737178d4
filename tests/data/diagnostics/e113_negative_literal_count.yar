rule a {
  condition: -1 of (true, false)
}
