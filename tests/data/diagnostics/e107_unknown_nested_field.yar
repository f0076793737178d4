import "pe"

rule a {
  condition: pe.sections[0].no_such == 1
}
