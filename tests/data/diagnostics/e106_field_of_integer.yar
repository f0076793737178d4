rule a {
  condition: filesize.x == 1
}
