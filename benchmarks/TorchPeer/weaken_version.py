#!/usr/bin/env python3
"""Marks symbol-version requirements of an ELF64 shared object as weak (VER_FLG_WEAK), in place.

TorchSharp 0.107's libLibTorchSharp.so asks for GLIBCXX_3.4.32, which Debian 12's libstdc++ (GCC 12) lacks, so
the loader refuses it. The only symbol behind that version is std::ios_base_library_init, which GCC 13's
<iostream> names to record the dependency and nothing calls: with the requirement weak, glibc's loader only
checks the versions it can find and the library loads. The TorchPeer build runs this on the build output's
copy (never on the NuGet cache): the new bytes go to a temporary file that replaces the old name, so a file
the build hard-linked to the cache is left alone. Idempotent; exits 0 when nothing needed a change.

  python3 weaken_version.py bin/Release/net10.0/runtimes/linux-x64/native/libLibTorchSharp.so GLIBCXX_3.4.32
"""
import os, struct, sys, tempfile

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def c_string(data, offset):
    return data[offset:data.index(b"\0", offset)].decode()


def weaken(data, versions):
    """Sets VER_FLG_WEAK on each Vernaux entry named in versions; returns the names changed and those found."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise SystemExit("error: not a little-endian ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    changed, found = [], []
    for _name, kind, _flags, _addr, offset, _size, link, info, _align, _entsize in sections:
        if kind != SHT_GNU_VERNEED:
            continue
        strtab = sections[link][4]
        need = offset
        for _ in range(info):  # sh_info: the number of Verneed entries
            _version, count, file_name, aux, next_need = struct.unpack_from("<HHIII", data, need)
            entry = need + aux
            for _ in range(count):
                _hash, flags, _other, name, next_aux = struct.unpack_from("<IHHII", data, entry)
                version = c_string(data, strtab + name)
                if version in versions:
                    found.append(f"{version} of {c_string(data, strtab + file_name)}")
                    if not flags & VER_FLG_WEAK:
                        struct.pack_into("<H", data, entry + 4, flags | VER_FLG_WEAK)
                        changed.append(version)
                entry += next_aux
            if next_need == 0:
                break
            need += next_need
    return changed, found


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    path, versions = sys.argv[1], set(sys.argv[2:])
    with open(path, "rb") as f:
        data = bytearray(f.read())
    changed, found = weaken(data, versions)
    missing = versions - {v.split(" of ")[0] for v in found}
    if missing:
        print(f"weaken_version: {path} does not ask for {', '.join(sorted(missing))}; nothing to do for it")
    if not changed:
        print(f"weaken_version: {os.path.basename(path)}: {', '.join(found) or 'no listed version'} already weak or absent")
        return 0
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".weaken-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    old = os.stat(path)
    os.chmod(tmp, old.st_mode & 0o7777)
    # The old times stay, so MSBuild's incremental copy (same size and time: skip) keeps the patched file.
    os.utime(tmp, ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(tmp, path)
    print(f"weaken_version: {os.path.basename(path)}: marked {', '.join(found)} weak (VER_FLG_WEAK)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
