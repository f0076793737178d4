rule pattern_suggestion {
  strings:
    $payload = "xxx"
  condition:
    $paylaod
}
