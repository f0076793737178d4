rule loop_over_filesize {
  condition:
    for any i in (0..filesize - 1) : (uint8(i) == 0xCC)
}
