// GOLDBACKDOOR: 2022 BLUELIGHT successor sent to journalists as LNK files.

rule SPOOR_ScarCruft_GOLDBACKDOOR_Build_Paths
{
    meta:
        actor = "scarcruft"
        family = "goldbackdoor"
        confidence = "high"
        reference = "https://stairwell.com/wp-content/uploads/2022/04/Stairwell-threat-report-The-ink-stained-trail-of-GOLDBACKDOOR.pdf"
        description = "GOLDBACKDOOR debug paths left in its builds"
    strings:
        $dev = "D:\\Development\\GOLD-BACKDOOR\\" ascii nocase
        $pdb = "GOLD-BACKDOOR\\Release\\FirstBackdoor.pdb" ascii nocase
    condition:
        uint16(0) == 0x5A4D and 1 of them
}

rule SPOOR_ScarCruft_GOLDBACKDOOR_API_Hashes
{
    meta:
        actor = "scarcruft"
        family = "goldbackdoor"
        confidence = "medium"
        reference = "https://stairwell.com/wp-content/uploads/2022/04/Stairwell-threat-report-The-ink-stained-trail-of-GOLDBACKDOOR.pdf"
        description = "GOLDBACKDOOR loader: API hash constants moved into ECX before each resolver call"
    strings:
        $h1 = { B9 BD 88 17 75 }
        $h2 = { B9 E6 8E 85 35 }
        $h3 = { B9 E3 18 90 72 }
        $h4 = { B9 8E 8A DD 8D }
        $h5 = { B9 4B 17 CD 5B }
    condition:
        filesize < 5MB and 4 of them
}
