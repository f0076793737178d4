"""Writing compound files ([MS-CFB]) for test and benchmark corpora.

    compound_file({"Storage/Stream": b"data", ...}, version=3) -> bytes

Streams shorter than 4,096 bytes go to the mini stream (64-byte mini
sectors chained by the mini FAT, held in the root entry's sectors), longer
ones to regular sectors (512 bytes in version 3, 4,096 in version 4).
Storages are made for every path prefix. Siblings hang off one another as
right children, sorted as the specification orders names (shorter first,
then by upper-cased name), which makes a valid, if unbalanced, tree.
Olefile (which cannot write) reads these files back.
"""

import struct

FREE, END, FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
MINI_SECTOR, CUTOFF = 64, 4096
ROOT, STORAGE, STREAM = 5, 1, 2


def _sectors(data, size):
    return -(-len(data) // size)


def _chain(first, count):
    """FAT entries for `count` consecutive sectors from `first`."""
    return [first + i + 1 for i in range(count - 1)] + [END] if count else []


def compound_file(streams, version=3):
    sector = 512 if version == 3 else 4096
    per_fat = sector // 4
    entries = [{"name": "Root Entry", "type": ROOT, "children": [], "data": b""}]
    storages = {"": 0}
    for path, data in streams.items():
        parts = path.split("/")
        for depth in range(1, len(parts)):
            key = "/".join(parts[:depth])
            if key not in storages:
                storages[key] = len(entries)
                entries.append({"name": parts[depth - 1], "type": STORAGE, "children": [], "data": b""})
                entries[storages["/".join(parts[:depth - 1])]]["children"].append(storages[key])
        entries.append({"name": parts[-1], "type": STREAM, "children": [], "data": data})
        entries[storages["/".join(parts[:-1])]]["children"].append(len(entries) - 1)

    body, fat = bytearray(), []
    mini, mini_fat = bytearray(), []
    for entry in entries:
        data = entry["data"]
        entry["size"] = len(data)
        if entry["type"] != STREAM or not data:
            entry["start"] = END
        elif len(data) < CUTOFF:
            count = _sectors(data, MINI_SECTOR)
            entry["start"] = len(mini_fat)
            mini_fat += _chain(len(mini_fat), count)
            mini += data.ljust(count * MINI_SECTOR, b"\0")
        else:
            count = _sectors(data, sector)
            entry["start"] = len(fat)
            fat += _chain(len(fat), count)
            body += data.ljust(count * sector, b"\0")

    root = entries[0]
    root["start"], root["size"] = (len(fat), len(mini)) if mini else (END, 0)
    mini_sectors = _sectors(mini, sector)
    fat += _chain(len(fat), mini_sectors)
    body += mini.ljust(mini_sectors * sector, b"\0")

    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    mini_fat_sectors = _sectors(mini_fat_bytes, sector)
    first_mini_fat = len(fat) if mini_fat_sectors else END
    fat += _chain(len(fat), mini_fat_sectors)
    body += mini_fat_bytes.ljust(mini_fat_sectors * sector, b"\xff")

    def order(index):
        name = entries[index]["name"]
        return (len(name), name.upper())

    for entry in entries:
        entry["left"] = entry["right"] = entry["child"] = FREE
    for entry in entries:
        children = sorted(entry["children"], key=order)
        if children:
            entry["child"] = children[0]
            for a, b in zip(children, children[1:]):
                entries[a]["right"] = b
    directory = bytearray()
    for entry in entries:
        name = entry["name"].encode("utf-16-le") + b"\0\0"
        directory += name.ljust(64, b"\0")
        directory += struct.pack("<HBB3I", len(name), entry["type"], 1,
                                 entry["left"], entry["right"], entry["child"])
        directory += bytes(16 + 4 + 16)
        directory += struct.pack("<IQ", entry["start"], entry["size"])
    directory_sectors = _sectors(directory, sector)
    directory = directory.ljust(directory_sectors * sector, b"\0")
    # Unused entries are zero but for their sibling and child ids.
    for unused in range(len(entries), len(directory) // 128):
        directory[unused * 128 + 68:unused * 128 + 80] = struct.pack("<3I", FREE, FREE, FREE)
    directory_start = len(fat)
    fat += _chain(len(fat), directory_sectors)
    body += directory

    # The FAT describes itself too: grow it until its sectors fit.
    fat_sectors = 1
    while (len(fat) + fat_sectors) > fat_sectors * per_fat:
        fat_sectors += 1
    assert fat_sectors <= 109, "the header's DIFAT is enough for these files"
    fat_start = len(fat)
    fat += [FAT_SECTOR] * fat_sectors
    fat += [FREE] * (fat_sectors * per_fat - len(fat))
    body += struct.pack(f"<{len(fat)}I", *fat)

    header = bytearray(sector)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    shift = 9 if version == 3 else 12
    struct.pack_into("<HHHHH", header, 24, 0x3E, version, 0xFFFE, shift, 6)
    struct.pack_into("<IIIIIIII", header, 40, directory_sectors if version == 4 else 0,
                     fat_sectors, directory_start, 0, CUTOFF, first_mini_fat,
                     mini_fat_sectors, END)
    struct.pack_into("<I", header, 72, 0)  # no DIFAT sectors
    difat = [fat_start + i for i in range(fat_sectors)] + [FREE] * (109 - fat_sectors)
    struct.pack_into("<109I", header, 76, *difat)
    return bytes(header) + bytes(body)
