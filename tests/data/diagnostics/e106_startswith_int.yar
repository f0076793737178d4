rule a {
  condition: 5 startswith "a"
}
