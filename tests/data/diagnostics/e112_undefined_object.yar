rule a {
  condition: foo.bar == 1
}
