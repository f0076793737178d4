import "foo"

rule a {
  condition: true
}
