rule a {
  condition: for any s in ("a", "b") : (s + 1 == 2)
}
