rule SPOOR_Alpha_Test
{
  meta:
    actor = "alpha"
    confidence = "low"
    reference = "https://example.org/alpha"
  condition:
    filesize > 10
}
