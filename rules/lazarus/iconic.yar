// ICONIC: loader in the trojanized 3CX desktop application (2023).

rule SPOOR_Lazarus_ICONIC_Loader
{
    meta:
        actor = "lazarus"
        family = "iconic"
        confidence = "high"
        reference = "https://www.volexity.com/blog/2023/03/30/3cx-supply-chain-compromise-leads-to-iconic-incident/"
        description = "ICONIC loader: RC4 key string with its tutma markers or its icon file name pattern"
    strings:
        $rc4_key = "3jB(2bsG#@c7" ascii wide
        $tutma = "__tutma" ascii wide
        $tutmc = "__tutmc" ascii wide
        $icon = "icon%d.ico" ascii wide
    condition:
        uint16(0) == 0x5A4D and $rc4_key and 1 of ($tutma, $tutmc, $icon)
}
