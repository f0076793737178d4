// WannaCry: 2017 ransomware worm, Lazarus software per ATT&CK.

rule SPOOR_Lazarus_WannaCry
{
    meta:
        actor = "lazarus"
        family = "wannacry"
        confidence = "high"
        reference = "https://www.us-cert.gov/ncas/alerts/TA17-132A"
        description = "WannaCry: archive password or kill-switch domain, or its service, task and encrypted-file marker names"
    strings:
        $password = "WNcry@2ol7" ascii wide
        $killswitch = "iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com" ascii wide
        $task = "tasksche.exe" ascii wide
        $service = "mssecsvc2.0" ascii wide
        $marker = "WANACRY!" ascii
        $name = "WanaCrypt0r" ascii wide
    condition:
        uint16(0) == 0x5A4D and (1 of ($password, $killswitch) or 3 of ($task, $service, $marker, $name))
}
