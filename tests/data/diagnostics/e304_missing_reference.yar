rule SPOOR_ScarCruft_RokRAT_Test
{
  meta:
    actor = "scarcruft"
    family = "rokrat"
    confidence = "medium"
  condition:
    filesize > 10
}
