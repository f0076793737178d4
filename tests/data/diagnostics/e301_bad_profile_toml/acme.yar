rule SPOOR_Acme_Test
{
  meta:
    actor = "acme"
    confidence = "low"
    reference = "https://example.org/acme"
  condition:
    filesize > 10
}
