rule a {
  condition: x and y
}
