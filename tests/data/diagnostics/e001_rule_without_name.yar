rule {
  condition: true
}
