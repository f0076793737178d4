rule a {
  condition: 1 << -1 == 0
}
