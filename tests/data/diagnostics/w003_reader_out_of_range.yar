rule a {
  condition: uint8(0) == 256 or int16be(2) == 40000
}
