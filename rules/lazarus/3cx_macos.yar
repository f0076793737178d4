// The macOS side of the 3CX supply-chain compromise (2023): the trojanized
// 3CX Desktop App shipped a libffmpeg.dylib that hides its strings with a
// one-byte XOR key 0x7A, calls home with the same `__tutma` cookie marker
// as the Windows ICONIC loader, and drops a second stage named UpdateAgent
// that reads the app's .main_storage file. The `__tutma` marker is in
// shared/intel/lazarus.md (3CX chain); the XOR key, the cookie format and
// the stage paths are from the public reporting of SentinelOne, Volexity
// and Objective-See on the macOS build.

rule SPOOR_Lazarus_3CX_macOS_Dylib
{
    meta:
        actor = "lazarus"
        family = "iconic"
        confidence = "medium"
        reference = "https://www.sentinelone.com/blog/smoothoperator-ongoing-campaign-trojanizes-3cx-software-in-software-supply-chain-attack/"
        description = "Mach-O holding the 3CX backdoor's cookie format or the macOS version file path, each XORed with 0x7A"
    strings:
        $cookie = ";3cx_auth_token_content=%s;__tutma=" xor(0x7A)
        $version_plist = "/System/Library/CoreServices/SystemVersion.plist" xor(0x7A)
    condition:
        (uint32(0) == 0xFEEDFACF or uint32(0) == 0xFEEDFACE or
         (uint32be(0) == 0xCAFEBABE and uint32be(4) < 20)) and
        1 of them
}

rule SPOOR_Lazarus_3CX_macOS_UpdateAgent
{
    meta:
        actor = "lazarus"
        family = "iconic"
        confidence = "medium"
        reference = "https://www.volexity.com/blog/2023/03/30/3cx-supply-chain-compromise-leads-to-iconic-incident/"
        description = "Mach-O with the 3CX backdoor's stage paths (.main_storage and UpdateAgent) or its plain cookie format"
    strings:
        $storage = "%s/.main_storage" ascii
        $storage_app = "/3CX Desktop App/.main_storage" ascii
        $agent = "%s/UpdateAgent" ascii
        $cookie = ";3cx_auth_token_content=%s;__tutma=" ascii
    condition:
        (uint32(0) == 0xFEEDFACF or uint32(0) == 0xFEEDFACE or
         (uint32be(0) == 0xCAFEBABE and uint32be(4) < 20)) and
        filesize < 10MB and
        ($cookie or (1 of ($storage*) and $agent))
}
