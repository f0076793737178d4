// Bankshot: 2017-18 implant with substitution-obfuscated API names.

rule SPOOR_Lazarus_Bankshot
{
    meta:
        actor = "lazarus"
        family = "bankshot"
        confidence = "high"
        reference = "https://attack.mitre.org/software/S0239/"
        description = "Bankshot: API names obfuscated by letter substitution, or the files it drops"
    strings:
        $api1 = "CgpaipIddwspwe32Hnaehsdi" ascii
        $api2 = "RpiPmtiCdopIsgpao" ascii
        $api3 = "GprthipgHpgktcpCigwSanowpgA" ascii
        $file_dat = "\\system32\\msncf.dat" ascii wide nocase
        $file_bat = "msvcru32.bat" ascii wide nocase
        $file_dll = "MXINFO.DLL" ascii wide
    condition:
        uint16(0) == 0x5A4D and (2 of ($api*) or all of ($file_*))
}
