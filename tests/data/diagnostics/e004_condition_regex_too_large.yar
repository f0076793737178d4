rule big_condition_regex {
  condition:
    "x" matches /(a{1000}){1000}/
}
