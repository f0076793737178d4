// M2RAT: 2023 RAT delivered through an HWP exploit and an image hiding the payload.

rule SPOOR_ScarCruft_M2RAT_Image_Carrier
{
    meta:
        actor = "scarcruft"
        family = "m2rat"
        confidence = "low"
        reference = "https://asec.ahnlab.com/en/48063/"
        description = "JPEG image with a Windows executable after the picture data, as in the steganographic M2RAT delivery"
    strings:
        // "MZ", then the DOS stub message where linkers put it (offset 0x4E).
        $pe_header = { 4D 5A [76] 54 68 69 73 20 70 72 6F 67 72 61 6D 20 63 61 6E 6E 6F 74 20 62 65 }
    condition:
        uint16(0) == 0xD8FF and filesize < 20MB and $pe_header in (1024 .. filesize)
}
