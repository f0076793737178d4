rule a {
  condition: "a" + 1 == 2 and 1.5 % 2 == 0 and -"b" == 1
}
