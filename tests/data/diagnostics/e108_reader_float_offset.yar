rule a {
  condition: uint32be(1.5) == 0
}
