rule a {
  meta:
    d = "bad \k escape"
  condition: true
}
