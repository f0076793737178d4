import "pe"

rule a {
  condition: pe.no_such_field == 1
}
