rule a {
  strings:
    $r = /abc/
    $r = /def/
  condition: any of them
}
