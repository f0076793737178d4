import "pe"

rule a {
  condition: pe.rich_signature.nope
}
