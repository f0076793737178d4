// AppleJeus: trojanized cryptocurrency trading applications (2018 onward).

rule SPOOR_Lazarus_AppleJeus_Downloader_Key
{
    meta:
        actor = "lazarus"
        family = "applejeus"
        confidence = "high"
        reference = "https://securelist.com/operation-applejeus/87553/"
        description = "Key string hard-coded in the AppleJeus downloader"
    strings:
        $key = "Moz&Wie;#t/6T!2yW29ab@ad%Df324V$Yd" ascii wide
    condition:
        $key
}

rule SPOOR_Lazarus_AppleJeus_Downloader_Build
{
    meta:
        actor = "lazarus"
        family = "applejeus"
        confidence = "medium"
        reference = "https://securelist.com/operation-applejeus/87553/"
        description = "AppleJeus downloader build paths, or its dloader PDB next to its old IE user agent"
    strings:
        $tmanager = "H:\\DEV\\TManager\\" ascii nocase
        $jeus = "Z:\\jeus\\" ascii nocase
        $pdb_release = "\\Release\\dloader.pdb" ascii nocase
        $pdb_debug = "\\Debug\\dloader.pdb" ascii nocase
        $ua = "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)" ascii wide
    condition:
        uint16(0) == 0x5A4D and
        (1 of ($tmanager, $jeus) or (1 of ($pdb_*) and $ua))
}

rule SPOOR_Lazarus_AppleJeus_macOS
{
    meta:
        actor = "lazarus"
        family = "applejeus"
        confidence = "medium"
        reference = "https://securelist.com/operation-applejeus/87553/"
        description = "Mach-O with the jeus multipart boundary and command-line switch of macOS AppleJeus"
    strings:
        $boundary = "multipart/form-data;boundary=jeus" ascii
        $switch = "--jeus" ascii fullword
    condition:
        (uint32(0) == 0xFEEDFACF or uint32(0) == 0xFEEDFACE or uint32(0) == 0xBEBAFECA) and
        all of them
}
