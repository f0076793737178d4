import "nosuchmodule"

rule a {
  condition: true
}
