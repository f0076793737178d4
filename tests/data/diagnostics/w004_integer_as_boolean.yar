rule integer_as_boolean {
  condition:
    filesize and uint16(0)
}
