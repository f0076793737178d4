rule a {
  condition: x
}
