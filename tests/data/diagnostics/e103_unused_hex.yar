rule a {
  strings:
    $mz = { 4D 5A }
  condition: filesize < 100
}
