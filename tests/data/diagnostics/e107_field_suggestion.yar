import "pe"

rule field_suggestion {
  condition:
    pe.number_of_section > 2
}
