// third-party rules that use `actor` for free text are not spoor meta
rule third_party
{
  meta:
    actor = "Purported North Korean actors"
    confidence = "whatever"
  condition:
    filesize > 10
}
