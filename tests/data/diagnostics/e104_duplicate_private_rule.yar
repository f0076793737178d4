rule a {
  condition: true
}

private rule a {
  condition: false
}
