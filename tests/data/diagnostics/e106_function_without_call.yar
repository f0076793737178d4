import "math"

rule a {
  condition: math.entropy > 1
}
