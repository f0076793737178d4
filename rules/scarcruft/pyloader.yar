// Python loader: 2021 script that copied BLUELIGHT shellcode into memory with ctypes.

rule SPOOR_ScarCruft_Python_Loader
{
    meta:
        actor = "scarcruft"
        family = "pyloader"
        confidence = "medium"
        reference = "https://www.volexity.com/blog/2021/08/24/north-korean-bluelight-special-inkysquid-deploys-rokrat/"
        description = "Python shellcode loader: character decoding idiom, ctypes call and copy, and its closing message"
    strings:
        $decode = "\"\".join(chr(ord(" ascii
        $functype = "ctypes.CFUNCTYPE(ctypes.c_int)" ascii
        $memmove = "ctypes.memmove" ascii
        $done = "python ended" ascii
    condition:
        filesize < 5MB and all of them
}
