rule a {
  condition: for any x in filesize : (true)
}
