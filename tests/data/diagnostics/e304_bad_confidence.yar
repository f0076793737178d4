// spoor meta checked against the bundled actor profiles
rule SPOOR_Lazarus_FALLCHILL_Test
{
  meta:
    actor = "lazarus"
    family = "fallchill"
    confidence = "certain"
    reference = "https://www.us-cert.gov/ncas/alerts/TA17-318A"
  condition:
    filesize > 10
}
