rule helper_rule {
  condition:
    true
}

rule identifier_suggestion {
  condition:
    helper_rul
}
