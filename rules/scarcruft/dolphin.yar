// Dolphin: ScarCruft backdoor delivered after BLUELIGHT (2021-22), Google Drive C2.

rule SPOOR_ScarCruft_Dolphin_Google_Account_Abuse
{
    meta:
        actor = "scarcruft"
        family = "dolphin"
        confidence = "high"
        reference = "https://www.welivesecurity.com/2022/11/30/whos-swimming-south-korean-waters-meet-scarcrufts-dolphin/"
        description = "Dolphin: the cookie dump format string, or several of its Gmail settings tampering strings"
    strings:
        $cookie_fmt = "host_name: %ls, cookie_name: %s, cookie: %s, CT: %llu, ET: %llu, value: %s, path: %ls, secu: %d, http: %d, last: %llu, has: %d" ascii wide
        $gm_token = "GM_ACTION_TOKEN" ascii wide
        $gm_id = "GM_ID_KEY=" ascii wide
        $imap = "Success to enable imap" ascii wide
        $thunder = "Failed to enable thunder access" ascii wide
        $prefs = "/mail/u/0/?ik=%s&at=%s&view=up&act=prefs" ascii wide
    condition:
        uint16(0) == 0x5A4D and ($cookie_fmt or 3 of ($gm_token, $gm_id, $imap, $thunder, $prefs))
}

rule SPOOR_ScarCruft_Dolphin_Google_App_Client
{
    meta:
        actor = "scarcruft"
        family = "dolphin"
        confidence = "medium"
        reference = "https://www.volexity.com/blog/2021/08/24/north-korean-bluelight-special-inkysquid-deploys-rokrat/"
        description = "OAuth client id of the custom Google web app the Dolphin-era implants used for C2"
    strings:
        $client = "636478154616-bt8kmnrg1l6oml3ipv7ifc6bck0in18h.apps.googleusercontent.com" ascii wide
    condition:
        $client
}
