import "hash"

rule a {
  condition: hash.md4(0, filesize) == ""
}
