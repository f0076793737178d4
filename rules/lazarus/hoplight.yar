// HOPLIGHT: 2019 HIDDEN COBRA proxy faking TLS with public certificates.

rule SPOOR_Lazarus_HOPLIGHT
{
    meta:
        actor = "lazarus"
        family = "hoplight"
        confidence = "high"
        reference = "https://www.us-cert.gov/ncas/analysis-reports/AR19-100A"
        description = "HOPLIGHT: its junk key strings, or the PolarSSL test CA with the Naver host and its svchost group"
    strings:
        $junk1 = "ztretrtireotreotieroptkierert" ascii wide
        $junk2 = "reykfgkodfgkfdskgdfogpdokgsdfpg" ascii wide
        $polarssl = "PolarSSL Test CA" ascii
        $naver = "www.naver.com" ascii wide
        $svc_group = "svchost.exe -k mdnetuse" ascii wide nocase
        $dropped = "udbcgiut.dat" ascii wide nocase
    condition:
        uint16(0) == 0x5A4D and
        (1 of ($junk*) or ($polarssl and $naver and 1 of ($svc_group, $dropped)))
}
