rule a {
  condition: true
}

include "nowhere/rules.yar"
