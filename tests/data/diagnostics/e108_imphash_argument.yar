import "pe"

rule a {
  condition: pe.imphash(1) == ""
}
