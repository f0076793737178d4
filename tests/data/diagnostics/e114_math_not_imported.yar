rule a {
  condition: math.entropy(0, filesize) > 7
}
