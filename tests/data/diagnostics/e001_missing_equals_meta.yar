rule a {
  meta:
    author "me"
  condition: true
}
