rule a {
  condition: /abc/
}
