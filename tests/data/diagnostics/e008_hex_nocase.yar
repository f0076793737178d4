rule a {
  strings:
    $a = { 4D 5A } nocase
  condition: $a
}
