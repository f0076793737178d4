// RokRAT (DOGCALL): ScarCruft's main RAT. Facts from shared/intel/scarcruft.md (c).

rule SPOOR_ScarCruft_RokRAT_2017_Strings
{
    meta:
        actor = "scarcruft"
        family = "rokrat"
        confidence = "high"
        reference = "http://blog.talosintelligence.com/2017/04/introducing-rokrat.html"
        description = "RokRAT 2017: host token list, or cut-off analysis tool names next to its hard-coded paths"
    strings:
        $tokens = "MAC-SIL-TED-FOO-YIM-LAN-WAN-SEC-BIL-TAB" ascii wide
        $cut_python = "ython" ascii wide fullword
        $cut_fiddler = "iddler" ascii wide fullword
        $cut_regmon = "egmon" ascii wide fullword
        $cut_wireshark = "iresha" ascii wide fullword
        $path_svchost = "c:\\users\\appdata\\local\\svchost.exe" ascii wide nocase
        $path_episode = "c:\\temp\\episode3.mp4" ascii wide nocase
    condition:
        uint16(0) == 0x5A4D and
        ($tokens or (all of ($cut_*) and 1 of ($path_*)))
}

rule SPOOR_ScarCruft_RokRAT_Cloud_C2
{
    meta:
        actor = "scarcruft"
        family = "rokrat"
        confidence = "medium"
        reference = "https://www.carbonblack.com/2018/02/27/threat-analysis-rokrat-malware/"
        description = "RokRAT 2018: cloud storage API endpoints together with its sandbox DLL checks and screenshot names"
    strings:
        $api_box_token = "api.box.com/oauth2/token" wide
        $api_box_upload = "upload.box.com/api/2.0/files/content" wide
        $api_pcloud = "api.pcloud.com/uploadfile?path=%s&filename=%s&nopartial=1" wide
        $api_yandex = "cloud-api.yandex.net/v1/disk/resources/download?path=%s" wide
        $check_apilog = "api_log.dll" ascii wide nocase
        $check_dirwatch = "dir_watch.dll" ascii wide nocase
        $shot_def = "def_%s.jpg" ascii wide
        $shot_pho = "pho_%s_%d.jpg" ascii wide
        $login_form = "login=%s&password=%s&login_submit=Authorizing" ascii wide
    condition:
        uint16(0) == 0x5A4D and
        2 of ($api_*) and 1 of ($check_*) and 1 of ($shot_*, $login_form)
}

rule SPOOR_ScarCruft_RokRAT_Dropper_2017
{
    meta:
        actor = "scarcruft"
        family = "rokrat"
        confidence = "medium"
        reference = "http://blog.talosintelligence.com/2017/11/ROKRAT-Reloaded.html"
        description = "RokRAT dropper of November 2017: its dated .jar name pattern and Aboard path"
    strings:
        $jar_name = "%s%s%04d%02d%02d%02d%02d%02d.jar" ascii wide
        $aboard = "\\Aboard\\Acm%c%c%c.exe" ascii wide
    condition:
        uint16(0) == 0x5A4D and all of them
}

rule SPOOR_ScarCruft_RokRAT_Matryoshka_Loader
{
    meta:
        actor = "scarcruft"
        family = "rokrat"
        confidence = "high"
        reference = "https://medium.com/s2wlab/matryoshka-variant-of-rokrat-apt37-scarcruft-69774ea7bf48"
        description = "2021 RokRAT variant: rotate-13/XOR 0x78AEEA97 stage decoder with the sub-0x0F/XOR-0xC8 URL decoder, or its AES key dwords"
    strings:
        $decoder = { C1 C7 0D [0-16] 81 F7 97 EA AE 78 }
        $url_decoder = { 80 E9 0F 80 F1 C8 }
        $key_a1 = { 32 31 12 23 }
        $key_a2 = "4EVg" // the dword 0x67564534; its bytes happen to be printable
        $key_a3 = { 78 89 9A AB }
        $key_a4 = { 0C BD CE DF }
        $key_b1 = { 2B 7E A5 16 }
        $key_b2 = { 28 AE D2 A6 }
        $key_b3 = { AB F7 15 88 }
        $key_b4 = { 09 CF 4F 3C }
    condition:
        filesize < 20MB and
        (($decoder and $url_decoder) or all of ($key_a*) or all of ($key_b*))
}

rule SPOOR_ScarCruft_RokRAT_Oversized_LNK
{
    meta:
        actor = "scarcruft"
        family = "rokrat"
        confidence = "medium"
        reference = "https://research.checkpoint.com/2023/chain-reaction-rokrats-missing-link/"
        description = "Shortcut file far larger than a shortcut needs that starts PowerShell: the 2022-23 RokRAT LNK carrier"
    strings:
        $powershell = "powershell" ascii wide nocase
    condition:
        uint32(0) == 0x0000004C and uint32(4) == 0x00021401 and
        filesize > 1MB and $powershell in (0 .. 4096)
}
