rule a {
  condition: "abc" matches "b"
}
