rule a {
  condition: source_host contains "setup"
}
