rule condition {
  condition: true
}
