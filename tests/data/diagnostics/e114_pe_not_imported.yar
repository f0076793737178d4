rule a {
  condition: pe.is_dll()
}
