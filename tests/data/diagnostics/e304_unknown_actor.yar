// an `actor` in profile-id form must name a profile
rule SPOOR_Kimsuky_Test
{
  meta:
    actor = "kimsuky"
    confidence = "low"
    reference = "https://example.org/report"
  condition:
    filesize > 10
}
