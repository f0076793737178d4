// args: --define flag=true
rule a {
  condition: flag + 1 == 2
}
