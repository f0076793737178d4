rule a {
  condition: true
