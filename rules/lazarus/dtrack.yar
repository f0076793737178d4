// Dtrack: collection and remote-administration tool (2019 onward).

rule SPOOR_Lazarus_Dtrack
{
    meta:
        actor = "lazarus"
        family = "dtrack"
        confidence = "high"
        reference = "https://securelist.com/my-name-is-dtrack/93338/"
        description = "Dtrack: its hard-coded passwords, or several of its log and command strings"
    strings:
        $pass1 = "dkwero38oerA" ascii wide
        $pass2 = "awz2qr21yfbj" ascii wide
        $ua = "CCS_Mozilla/5.0" ascii wide
        $log = "Execute_%s.log" ascii wide
        $stamp = "%02d.%02d.%04d - %02d:%02d:%02d:%03d : " ascii wide
        $share = "\\C$\\Windows\\Temp\\MpLogs\\" ascii wide nocase
        $cmd = "[+] DownloadCommand" ascii wide
        $err = "DC-Error: Too long cmd length" ascii wide
    condition:
        uint16(0) == 0x5A4D and (1 of ($pass*) or 3 of ($ua, $log, $stamp, $share, $cmd, $err))
}
