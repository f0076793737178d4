// Torisma: HTTP(S) downloader using the VEST-32 stream cipher.

rule SPOOR_Lazarus_Torisma_VEST_Table
{
    meta:
        actor = "lazarus"
        family = "torisma"
        confidence = "low"
        reference = "https://attack.mitre.org/software/S0678/"
        description = "PE carrying the VEST-32 accumulator table that Torisma's cipher uses: hunting logic"
    strings:
        $vest = { 4F 70 46 DA E1 8D F6 41 59 E8 5D 26 1E CC 2F 89 }
    condition:
        uint16(0) == 0x5A4D and $vest
}
