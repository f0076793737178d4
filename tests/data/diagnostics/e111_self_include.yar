include "e111_self_include.yar"

rule a {
  condition: true
}
