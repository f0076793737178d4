// Ruby loader: 2021 script that ran RokRAT/BLUELIGHT shellcode through Fiddle.

rule SPOOR_ScarCruft_Ruby_Loader
{
    meta:
        actor = "scarcruft"
        family = "rubyloader"
        confidence = "high"
        reference = "https://www.volexity.com/blog/2021/08/24/north-korean-bluelight-special-inkysquid-deploys-rokrat/"
        description = "Ruby shellcode loader: its fake Microsoft update URL with its key string, offset arithmetic or hidden Fiddle name"
    strings:
        $url = "'https://update.microsoft.com/driverupdate?id=" ascii
        $key = "sVHZv1mCNYDO0AzI';" ascii
        $offset = "firoffset..scupd.size" ascii
        $fiddle_b64 = "RmlkZGxlOjpQb2ludGVy" ascii
    condition:
        filesize < 5MB and $url and 1 of ($key, $offset, $fiddle_b64)
}
