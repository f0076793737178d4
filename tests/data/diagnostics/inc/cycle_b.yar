include "../e111_include_cycle.yar"

rule b {
  condition: true
}
