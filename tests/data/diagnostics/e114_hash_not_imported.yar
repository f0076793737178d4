import "pe"

rule a {
  condition: hash.md5(0, filesize) == ""
}
