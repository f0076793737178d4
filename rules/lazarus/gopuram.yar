// Gopuram: follow-on backdoor deployed to selected 3CX victims (2023).

rule SPOOR_Lazarus_Gopuram
{
    meta:
        actor = "lazarus"
        family = "gopuram"
        confidence = "medium"
        reference = "https://securelist.com/gopuram-backdoor-deployed-through-3cx-supply-chain-attack/109344/"
        description = "Gopuram: transactional registry log name it writes, next to ROR-13 API hashes its loader puts into ECX"
    strings:
        $txr = "%s.TxR.0.regtrans-ms" ascii wide
        $h1 = { B9 49 F7 02 78 }
        $h2 = { B9 58 A4 53 E5 }
        $h3 = { B9 10 E1 8A C3 }
        $h4 = { B9 AF B1 5C 94 }
    condition:
        uint16(0) == 0x5A4D and $txr and 2 of ($h*)
}
