rule alphabet {
  strings:
    $a = "abc" base64("!@#$%^&*()!@#$%^&*()!@#$%^&*()!@#$%^&*()!@#$%^&*()!@#$%^&*()1234")
  condition:
    $a
}
