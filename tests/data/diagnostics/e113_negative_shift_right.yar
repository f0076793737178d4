rule a {
  condition: filesize >> -3 == 0
}
