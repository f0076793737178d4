rule a {
  condition: ~1.5 == 1
}
