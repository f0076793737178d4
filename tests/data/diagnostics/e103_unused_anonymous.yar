rule a {
  strings:
    $ = "x"
    $b = "y"
  condition: $b
}
