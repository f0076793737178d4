rule a {
  condition: 9223372036854775807 + 1 > 0
}
