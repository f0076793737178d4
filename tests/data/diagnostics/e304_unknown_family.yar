// `rokrat` is a ScarCruft family, not a Lazarus one
rule SPOOR_Lazarus_Test
{
  meta:
    actor = "lazarus"
    family = "rokrat"
    confidence = "high"
    reference = "https://example.org/report"
  condition:
    filesize > 10
}
