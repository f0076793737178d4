rule a : apt apt {
  condition: true
}
