private private rule a {
  condition: true
}
