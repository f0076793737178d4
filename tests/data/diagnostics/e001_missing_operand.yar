rule a {
  condition: 1 + 
}
