rule a {
  condition: "abc" contains 1
}
