rule a {
  condition: with b = filesize > 0 : (b + 1 == 2)
}
