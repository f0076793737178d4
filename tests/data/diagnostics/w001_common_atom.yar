rule common_atoms {
  strings:
    $zeros = { 00 00 00 00 00 00 }
    $fill = { FF FF FF FF }
    $sled = { 90 90 90 90 }
    $int3 = { CC CC CC CC }
    $mixed = { 00 00 00 00 00 00 00 00 00 01 }
  condition:
    any of them
}
