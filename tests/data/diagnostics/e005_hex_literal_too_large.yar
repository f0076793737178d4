rule a {
  condition: filesize == 0x1FFFFFFFFFFFFFFFF
}
