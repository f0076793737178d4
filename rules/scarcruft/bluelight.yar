// BLUELIGHT: 2021 ScarCruft RAT using Microsoft Graph / OneDrive for C2.

rule SPOOR_ScarCruft_BLUELIGHT_Build_Paths
{
    meta:
        actor = "scarcruft"
        family = "bluelight"
        confidence = "high"
        reference = "https://www.volexity.com/blog/2021/08/17/north-korean-apt-inkysquid-infects-victims-using-browser-exploits/"
        description = "BLUELIGHT debug paths left in its builds"
    strings:
        $ncov = "\\Development\\BACKDOOR\\ncov\\" ascii
        $pdb = "Release\\bluelight.pdb" ascii nocase
    condition:
        uint16(0) == 0x5A4D and 1 of them
}

rule SPOOR_ScarCruft_BLUELIGHT_Host_Report
{
    meta:
        actor = "scarcruft"
        family = "bluelight"
        confidence = "medium"
        reference = "https://www.volexity.com/blog/2021/08/17/north-korean-apt-inkysquid-infects-victims-using-browser-exploits/"
        description = "BLUELIGHT host report: the JSON keys it fills, next to the IP lookup service it asks"
    strings:
        $key_user = "\"UserName\":\"" ascii wide
        $key_com = "\"ComName\":\"" ascii wide
        $key_online = "\"OnlineIP\":\"" ascii wide
        $key_local = "\"LocalIP\":\"" ascii wide
        $key_compiled = "\"Compiled\":\"" ascii wide
        $key_level = "\"Process Level\":\"" ascii wide
        $key_av = "\"AntiVirus\":\"" ascii wide
        $ipinfo = "https://ipinfo.io" ascii wide
    condition:
        uint16(0) == 0x5A4D and $ipinfo and 6 of ($key_*)
}
