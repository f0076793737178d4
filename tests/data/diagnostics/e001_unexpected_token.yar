rule a {
  condition: true true
}
