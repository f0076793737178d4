import "string"

rule a {
  condition: string.length(5) == 1
}
