// HWP (Hangul Word Processor) lures. ScarCruft's early RokRAT campaigns
// mailed HWP documents whose embedded EPS (PostScript) object ran
// shellcode through the viewer's Ghostscript (shared/intel/scarcruft.md,
// delivery containers). An HWP 5 file is an OLE compound file; embedded
// objects are streams of its BinData storage named BIN0001.eps and so on.
// The stream contents are usually compressed, but the names in the
// compound file's directory are plain UTF-16.

rule SPOOR_ScarCruft_HWP_EPS_Object
{
    meta:
        actor = "scarcruft"
        family = "rokrat"
        confidence = "low"
        reference = "http://blog.talosintelligence.com/2017/04/introducing-rokrat.html"
        description = "HWP document with an embedded PostScript object (a BinData stream named BIN*.eps or .ps): the exploit container of ScarCruft's HWP lures; the technique is shared by other Korean-targeting actors"
    strings:
        $hwp_summary = "HwpSummaryInformation" wide
        $bindata = "BinData" wide
        $eps_stream = /B\x00I\x00N\x00([0-9A-Fa-f]\x00){4}\.\x00(e\x00|E\x00)?(p\x00|P\x00)(s\x00|S\x00)\x00\x00/
    condition:
        uint32(0) == 0xE011CFD0 and uint32(4) == 0xE11AB1A1 and
        all of them
}
