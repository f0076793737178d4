// the directory's own profiles replace the bundled ones
rule SPOOR_Acme_RoadRunner
{
  meta:
    actor = "acme"
    family = "roadrunner"
    confidence = "high"
    reference = "https://example.org/acme/roadrunner"
  condition:
    filesize > 10
}

rule SPOOR_Acme_Unknown_Family
{
  meta:
    actor = "acme"
    family = "coyote"
    confidence = "high"
    reference = "https://example.org/acme"
  condition:
    filesize > 10
}

rule SPOOR_Lazarus_Here
{
  meta:
    actor = "lazarus"
    confidence = "high"
    reference = "https://example.org/lazarus"
  condition:
    filesize > 10
}
