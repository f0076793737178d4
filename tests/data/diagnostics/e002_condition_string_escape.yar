rule a {
  condition: "a\y" == "b"
}
