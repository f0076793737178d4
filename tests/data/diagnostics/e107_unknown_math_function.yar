import "math"

rule a {
  condition: math.foo(0) > 1
}
