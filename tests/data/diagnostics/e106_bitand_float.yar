rule a {
  condition: 1.0 & 1 == 1
}
