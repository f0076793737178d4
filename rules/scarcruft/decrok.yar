// DecRok: 2021 loader that decrypts its payload with the victim's host name.

rule SPOOR_ScarCruft_DecRok_Loader
{
    meta:
        actor = "scarcruft"
        family = "decrok"
        confidence = "low"
        reference = "https://www.volexity.com/blog/2021/08/24/north-korean-bluelight-special-inkysquid-deploys-rokrat/"
        description = "Small PE asking WMI for installed antivirus, reading the host name and carrying MD5 start constants: DecRok-like hunting logic"
    strings:
        $wmi_query = "Select * From AntiVirusProduct" ascii wide nocase
        $wmi_ns = "root\\SecurityCenter2" ascii wide nocase
        $hostname = "GetComputerNameW" ascii
        $md5_init = { 01 23 45 67 [0-12] 89 AB CD EF [0-12] FE DC BA 98 [0-12] 76 54 32 10 }
    condition:
        uint16(0) == 0x5A4D and filesize < 1MB and all of them
}
