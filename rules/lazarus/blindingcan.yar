// BLINDINGCAN: HTTP(S) RAT used against defence and aerospace via job lures (2020).

rule SPOOR_Lazarus_BLINDINGCAN_Loader
{
    meta:
        actor = "lazarus"
        family = "blindingcan"
        confidence = "medium"
        reference = "https://www.cisa.gov/news-events/analysis-reports/ar20-232a"
        description = "BLINDINGCAN loader DLL: MFC_DLL.dll as original file name, exporting SMain and SMainW"
    strings:
        $original_name = "MFC_DLL.dll" wide
        $export_smain = { 00 53 4D 61 69 6E 00 }
        $export_smainw = { 00 53 4D 61 69 6E 57 00 }
    condition:
        uint16(0) == 0x5A4D and all of them
}
