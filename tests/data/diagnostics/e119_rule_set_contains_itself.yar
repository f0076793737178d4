rule a {
  condition: any of (a)
}
