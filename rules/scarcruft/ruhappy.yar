// RUHAPPY: MBR wiper behind the "Are you Happy?" campaign (FireEye 2018).

rule SPOOR_ScarCruft_RUHAPPY_Wiper
{
    meta:
        actor = "scarcruft"
        family = "ruhappy"
        confidence = "low"
        reference = "https://attack.mitre.org/groups/G0067/"
        description = "PE that opens the first physical drive and carries the 'Are you Happy?' message"
    strings:
        $message = "Are you Happy?" ascii wide
        $drive = "\\\\.\\PhysicalDrive0" ascii wide nocase
    condition:
        uint16(0) == 0x5A4D and filesize < 2MB and all of them
}
