rule a {
  condition: $a
}
