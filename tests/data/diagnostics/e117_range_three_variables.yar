rule a {
  condition: for all i, j, k in (0..10) : (i > 0)
}
