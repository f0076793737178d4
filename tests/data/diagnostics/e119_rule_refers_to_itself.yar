rule a {
  condition: filesize > 0 and a
}
