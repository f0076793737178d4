// Bluetooth harvester: 2019 collector of nearby Bluetooth devices (Kaspersky).

rule SPOOR_ScarCruft_Bluetooth_Harvester
{
    meta:
        actor = "scarcruft"
        family = "btharvester"
        confidence = "low"
        reference = "https://securelist.com/scarcruft-continues-to-evolve-introduces-bluetooth-harvester/90729/"
        description = "Small PE that walks radios and devices with the Windows Bluetooth API and reads device details: hunting logic"
    strings:
        $radio = "BluetoothFindFirstRadio" ascii
        $first = "BluetoothFindFirstDevice" ascii
        $next = "BluetoothFindNextDevice" ascii
        $info = "BluetoothGetDeviceInfo" ascii
        $dll = "bthprops.cpl" ascii nocase
    condition:
        uint16(0) == 0x5A4D and filesize < 500KB and all of them
}
