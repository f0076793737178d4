// Freenki: 2017 RokRAT companion stealer with a single getUpdate export.

rule SPOOR_ScarCruft_Freenki_Stealer
{
    meta:
        actor = "scarcruft"
        family = "freenki"
        confidence = "low"
        reference = "http://blog.talosintelligence.com/2017/11/ROKRAT-Reloaded.html"
        description = "DLL exporting getUpdate that reads the credential stores of several browsers"
    strings:
        $export = { 00 67 65 74 55 70 64 61 74 65 00 }
        $chrome = "\\Google\\Chrome\\User Data\\Default\\Login Data" ascii wide nocase
        $ie = "Software\\Microsoft\\Internet Explorer\\IntelliForms\\Storage2" ascii wide nocase
        $firefox = "\\Mozilla\\Firefox\\Profiles" ascii wide nocase
    condition:
        uint16(0) == 0x5A4D and filesize < 2MB and $export and 2 of ($chrome, $ie, $firefox)
}
