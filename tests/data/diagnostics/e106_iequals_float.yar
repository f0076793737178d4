rule a {
  condition: "a" iequals 1.0
}
