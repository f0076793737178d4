rule a {
  strings:
    $a = "ab\qc"
  condition: $a
}
