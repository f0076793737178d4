rule a {
  condition: (true and false
}
