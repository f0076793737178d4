// MagicRAT: 2022 Qt-linked RAT (Talos: Lazarus; CISA: Andariel).

rule SPOOR_Lazarus_MagicRAT
{
    meta:
        actor = "lazarus"
        family = "magicrat"
        confidence = "medium"
        reference = "https://blog.talosintelligence.com/lazarus-magicrat/"
        description = "MagicRAT: its misspelled rename command with its configuration keys and Magic markers"
    strings:
        $renmae = "renmae" ascii wide fullword
        $os_windows = "os/windows" ascii wide
        $os_linux = "os/linux" ascii wide
        $os_mac = "os/mac" ascii wide
        $company_ms = "company/microsoft" ascii wide
        $company_oracle = "company/oracle" ascii wide
        $magic_system = "MagicSystem" ascii wide
        $magic_mon = "MagicMon" ascii wide
    condition:
        uint16(0) == 0x5A4D and $renmae and 3 of ($os_*, $company_*) and 1 of ($magic_*)
}
