rule a {
  condition: filesize > min_size
}
