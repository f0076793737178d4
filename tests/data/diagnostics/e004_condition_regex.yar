rule a {
  condition: "abc" matches /a(b/
}
