rule a {
  condition: elf.type == 2
}
