// Oversized LNK carriers: since 2022 ScarCruft ships RokRAT inside the
// shortcut itself. The target runs PowerShell that carves a decoy
// document, a script and the (encrypted) payload out of the .lnk at fixed
// offsets. Facts from shared/intel/scarcruft.md (delivery containers):
// a normal shortcut is a few KB and ends at its extra-data terminator;
// these carry hundreds of KB after it.

import "lnk"

rule SPOOR_ScarCruft_LNK_Carrier_Embedded_File
{
    meta:
        actor = "scarcruft"
        family = "rokrat"
        confidence = "medium"
        reference = "https://research.checkpoint.com/2023/chain-reaction-rokrats-missing-link/"
        description = "Shortcut with a large overlay after its last block that holds a PE or a CAB archive: the file a RokRAT LNK carrier drops"
    strings:
        $dos_stub = "This program cannot be run in DOS mode" ascii
        $cab = { 4D 53 43 46 00 00 00 00 [4] 00 00 00 00 }
    condition:
        lnk.is_lnk and lnk.overlay_size > 64KB and
        for any of ($dos_stub, $cab) : ( $ in (lnk.overlay_offset .. filesize) )
}

rule SPOOR_ScarCruft_LNK_Carrier_Script
{
    meta:
        actor = "scarcruft"
        family = "rokrat"
        confidence = "low"
        reference = "https://asec.ahnlab.com/en/51751/"
        description = "Shortcut with a large overlay that carries a script carving bytes out of a file: the loader stage of a RokRAT LNK carrier"
    strings:
        $read_bytes = "ReadAllBytes" ascii wide nocase
        $read_stream = "-Encoding Byte" ascii wide nocase
        $write_bytes = "WriteAllBytes" ascii wide nocase
        $seek = ".Seek(" ascii wide nocase
        $batch = "@echo off" ascii wide nocase
    condition:
        lnk.is_lnk and lnk.overlay_size > 64KB and
        for 2 of them : ( $ in (lnk.overlay_offset .. filesize) )
}
