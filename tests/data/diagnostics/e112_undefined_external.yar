rule a {
  condition: filename contains "setup"
}
