import "math"

rule a {
  condition: math
}
