private rule helper {
  condition:
    uint16(0) == 0x5A4D
}

rule uses_nothing {
  condition:
    filesize < 100
}
