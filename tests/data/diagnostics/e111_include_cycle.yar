include "inc/cycle_b.yar"

rule a {
  condition: true
}
