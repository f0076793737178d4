// Final1stspy: 2018 dropper of DOGCALL, named after a PDB path.

rule SPOOR_ScarCruft_Final1stspy
{
    meta:
        actor = "scarcruft"
        family = "final1stspy"
        confidence = "medium"
        reference = "https://unit42.paloaltonetworks.com/unit42-nokki-almost-ties-the-knot-with-dogcall-reaper-group-uses-new-malware-to-deploy-rat/"
        description = "Final1stspy loader or payload: the project name in a PDB path with the payload's internal name or the loader's"
    strings:
        $pdb = /\\Final1stspy\\[\x20-\x7e]{1,200}\.pdb/ nocase
        $payload = "hadowexecute" ascii wide
        $loader = "LoadDll" ascii wide fullword
    condition:
        uint16(0) == 0x5A4D and $pdb and 1 of ($payload, $loader)
}
