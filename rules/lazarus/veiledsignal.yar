// VEILEDSIGNAL: backdoor delivered through the trojanized X_TRADER installer.

rule SPOOR_Lazarus_VEILEDSIGNAL
{
    meta:
        actor = "lazarus"
        family = "veiledsignal"
        confidence = "medium"
        reference = "https://www.mandiant.com/resources/blog/3cx-software-supply-chain-compromise"
        description = "VEILEDSIGNAL: its marker dword with its XOR constant, or the TPM-named drop paths"
    strings:
        $marker = { 5E DA F3 76 }
        $xor = { 74 F2 39 DA }
        $drop_exe = "C:\\Programdata\\TPM\\TpmVscMgrSvr.exe" ascii wide nocase
        $drop_dll = "C:\\Programdata\\TPM\\winscard.dll" ascii wide nocase
    condition:
        uint16(0) == 0x5A4D and (($marker and $xor) or all of ($drop_*))
}
