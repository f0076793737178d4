import "pe"
import "hsah"

rule a {
  condition: true
}
