rule no_author {
  meta:
    date = "2024-13-40"
  condition:
    true
}
