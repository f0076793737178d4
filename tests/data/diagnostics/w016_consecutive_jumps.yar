rule consecutive_jumps {
  strings:
    $a = { 0F 84 [4] [0-7] 8D ( 01 [1] [2] | 02 ) }
  condition:
    $a
}
