rule a {
  strings:
    $ = "xxx"
    $b = "yyy"
  condition: $b
}
