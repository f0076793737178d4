// args: --define filename=setup.exe
rule a {
  condition: filename + 1 == 2
}