import "elff"

rule module_suggestion {
  condition:
    true
}
