rule a {
  condition: 1 contains "b"
}
