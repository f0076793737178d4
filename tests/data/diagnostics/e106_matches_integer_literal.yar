rule a {
  condition: 5 matches /a/
}
