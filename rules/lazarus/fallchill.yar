// FALLCHILL: HIDDEN COBRA RAT with fake-TLS/RC4 traffic, later delivered by AppleJeus.

rule SPOOR_Lazarus_FALLCHILL_RC4_Key
{
    meta:
        actor = "lazarus"
        family = "fallchill"
        confidence = "high"
        reference = "https://securelist.com/operation-applejeus/87553/"
        description = "FALLCHILL RC4 key written to the stack as four dwords"
    strings:
        $k1 = { DA E1 61 FF }
        $k2 = { 0C 27 95 87 }
        $k3 = { 17 57 A4 D6 }
        $k4 = { EA E3 82 2B }
    condition:
        uint16(0) == 0x5A4D and all of them
}

rule SPOOR_Lazarus_FALLCHILL_Status_Codes
{
    meta:
        actor = "lazarus"
        family = "fallchill"
        confidence = "medium"
        reference = "https://www.us-cert.gov/ncas/alerts/TA17-318A"
        description = "FALLCHILL success and failure status codes pushed as immediates"
    strings:
        $ok = { 68 7A 34 12 00 }
        $fail = { 68 5C 34 12 00 }
    condition:
        uint16(0) == 0x5A4D and filesize < 3MB and #ok > 1 and #fail > 1
}
