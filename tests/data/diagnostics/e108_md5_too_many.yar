import "hash"

rule a {
  condition: hash.md5(0, 1, 2) == ""
}
