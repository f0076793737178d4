// POOLRAT (SIMPLESEA, SimplexTea): macOS/Linux backdoor of the 3CX chain.

rule SPOOR_Lazarus_POOLRAT
{
    meta:
        actor = "lazarus"
        family = "poolrat"
        confidence = "high"
        reference = "https://www.mandiant.com/resources/blog/3cx-software-supply-chain-compromise"
        description = "POOLRAT Mach-O or ELF: its multipart boundary, or its C2 form field formats"
    strings:
        $boundary = "--N9dLfqxHNUUw8qaUPqggVTpX-" ascii
        $uid = "name=\"uid\"%s%s%u%s" ascii
        $session = "name=\"session\"%s%s%u%s" ascii
        $action = "name=\"action\"%s%s%s%s" ascii
        $token = "name=\"token\"%s%s%u%s" ascii
    condition:
        (uint32(0) == 0xFEEDFACF or uint32(0) == 0xBEBAFECA or uint32(0) == 0x464C457F) and
        ($boundary or 3 of ($uid, $session, $action, $token))
}
