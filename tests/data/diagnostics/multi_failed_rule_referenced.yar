rule a {
  condition: unknown_thing
}

rule b {
  condition: a
}
