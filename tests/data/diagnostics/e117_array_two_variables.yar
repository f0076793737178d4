import "pe"

rule a {
  condition: for any s, t in pe.sections : (true)
}
