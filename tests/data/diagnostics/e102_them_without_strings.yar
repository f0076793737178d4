rule a {
  condition: any of them
}
