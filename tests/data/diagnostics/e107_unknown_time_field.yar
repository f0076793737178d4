import "time"

rule a {
  condition: time.then() > 0
}
