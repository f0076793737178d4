rule a {
  condition: filesize[0] == 1
}
