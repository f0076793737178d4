import "math"

rule a {
  condition: math.entropy(0) > 1
}
