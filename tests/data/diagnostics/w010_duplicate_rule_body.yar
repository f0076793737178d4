rule first {
  strings:
    $a = "payload"
  condition:
    $a
}

rule second : copy {
  meta:
    note = "same body, other name"
  strings:
    $a = "payload"
  condition:
    $a
}
