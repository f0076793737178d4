// OpenCarrot: Lazarus service-DLL backdoor found inside NPO Mashinostroyeniya (2022).

rule SPOOR_Lazarus_OpenCarrot_Service_DLL
{
    meta:
        actor = "lazarus"
        family = "opencarrot"
        confidence = "medium"
        reference = "https://www.sentinelone.com/labs/comrades-in-arms-north-korea-compromises-sanctioned-russian-missile-engineering-company/"
        description = "Service DLL protected by Code Virtualizer (a .vlizer section) that reads a .dll.mui configuration, as OpenCarrot does"
    strings:
        $service_main = "ServiceMain" ascii fullword
        $mui = ".dll.mui" ascii wide nocase
    condition:
        uint16(0) == 0x5A4D and uint32(uint32(0x3C)) == 0x00004550 and
        for any i in (0 .. uint16(uint32(0x3C) + 6) - 1) : (
            uint32(uint32(0x3C) + 24 + uint16(uint32(0x3C) + 20) + i * 40) == 0x696C762E and
            uint32(uint32(0x3C) + 28 + uint16(uint32(0x3C) + 20) + i * 40) == 0x0072657A
        ) and
        $service_main and $mui
}
