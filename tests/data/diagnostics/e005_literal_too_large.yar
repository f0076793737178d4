rule a {
  condition: filesize == 99999999999999999999
}
