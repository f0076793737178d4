rule a {
  condition: 1 === 1
}
