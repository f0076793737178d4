rule a {
  condition: filesize matches /abc/
}
