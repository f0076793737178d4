rule a {
  strings:
    $a = { 4D ?? ?5 5? ~4D [1-3] 00 }
    $b = { 4D [2-1] 5A }
  condition: any of them
}
