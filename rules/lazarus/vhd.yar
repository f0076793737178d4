// VHD ransomware: 2020 ransomware Kaspersky tied to Lazarus.

rule SPOOR_Lazarus_VHD_Ransomware
{
    meta:
        actor = "lazarus"
        family = "vhd"
        confidence = "high"
        reference = "https://securelist.com/lazarus-on-the-hunt-for-big-game/97757/"
        description = "VHD ransomware: ransom note name, source file name and the Exchange service it stops"
    strings:
        $note = "HowToDecrypt.txt" ascii wide
        $source = "rsa.cpp" ascii
        $stop = "sc stop \"Microsoft Exchange Compliance Service\"" ascii wide
    condition:
        uint16(0) == 0x5A4D and all of them
}
