import "pe"

rule a {
  condition: for any k, k in pe.version_info : (k == "x")
}
