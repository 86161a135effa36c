"""Tiny synthetic ELF files for cases no installed toolchain produces (Go < 1.18 pointer-style
buildinfo, 32-bit big-endian, no section headers) and for corruption tests."""

from __future__ import annotations

import struct

BASE = 0x10000


def pointer_buildinfo_elf(version: str, modinfo: str, bits: int = 64, big: bool = False,
                          machine: int = 62, extra: bytes = b"") -> bytes:
    """An ELF with one RW PT_LOAD holding a Go < 1.18 buildinfo header whose two pointers lead to
    Go string headers (ptr, len) and then to the string bytes. No section headers."""
    bo = ">" if big else "<"
    ps = bits // 8
    ehsize = 64 if bits == 64 else 52
    phsize = 56 if bits == 64 else 32
    data_off = 0x100  # file offset of the segment payload, 16-aligned
    seg = bytearray()
    # header: magic(14) ptrsize(1) flags(1: bit0 = big endian, bit1 = inline strings -> 0 here)
    hdr = b"\xff Go buildinf:" + bytes([ps, 1 if big else 0])
    seg += hdr
    ptrfmt = bo + ("Q" if ps == 8 else "I")
    vers_hdr_at = 32
    mod_hdr_at = vers_hdr_at + 2 * ps
    strings_at = mod_hdr_at + 2 * ps
    va = BASE + data_off
    vbytes, mbytes = version.encode(), modinfo.encode()
    seg += struct.pack(ptrfmt, va + vers_hdr_at) + struct.pack(ptrfmt, va + mod_hdr_at)
    seg += b"\0" * (32 - len(seg))
    seg += struct.pack(ptrfmt, va + strings_at) + struct.pack(ptrfmt, len(vbytes))
    seg += struct.pack(ptrfmt, va + strings_at + len(vbytes)) + struct.pack(ptrfmt, len(mbytes))
    seg += vbytes + mbytes
    if extra:  # e.g. a pcln table, 16-aligned after the strings
        seg += b"\0" * (-len(seg) % 16) + extra
    total = data_off + len(seg)
    ident = b"\x7fELF" + bytes([2 if bits == 64 else 1, 2 if big else 1, 1, 0]) + b"\0" * 8
    if bits == 64:
        eh = ident + struct.pack(bo + "HHIQQQIHHHHHH", 2, machine, 1, va, ehsize, 0, 0, ehsize, phsize, 1,
                                 64, 0, 0)
        ph = struct.pack(bo + "IIQQQQQQ", 1, 6, data_off, va, va, len(seg), len(seg), 0x1000)
    else:
        eh = ident + struct.pack(bo + "HHIIIIIHHHHHH", 2, machine, 1, va, ehsize, 0, 0, ehsize, phsize, 1,
                                 40, 0, 0)
        ph = struct.pack(bo + "IIIIIIII", 1, data_off, va, va, len(seg), len(seg), 6, 0x1000)
    out = bytearray(eh + ph)
    out += b"\0" * (data_off - len(out))
    out += seg
    assert len(out) == total
    return bytes(out)


def strip_section_headers(data: bytes) -> bytes:
    """Zero e_shoff/e_shnum/e_shstrndx, as `strip --strip-section-headers` or packers leave it."""
    b = bytearray(data)
    bo = "<" if b[5] == 1 else ">"
    if b[4] == 2:
        struct.pack_into(bo + "Q", b, 0x28, 0)
        struct.pack_into(bo + "HHH", b, 0x3A, 0, 0, 0)
    else:
        struct.pack_into(bo + "I", b, 0x20, 0)
        struct.pack_into(bo + "HHH", b, 0x2E, 0, 0, 0)
    return bytes(b)


MAGICS = {"1.20": 0xFFFFFFF1, "1.18": 0xFFFFFFF0, "1.16": 0xFFFFFFFA, "1.2": 0xFFFFFFFB}


def pclntab(fmt: str, funcs: list[str], decoys: list[str] = (), ps: int = 8, big: bool = False) -> bytes:
    """A pcln table of the given format whose function table names ``funcs``; ``decoys`` are
    extra strings in the name table that no function points at (like inlined-only names)."""
    bo = ">" if big else "<"
    word = bo + ("Q" if ps == 8 else "I")
    names = bytearray()
    offs = []
    for n in list(decoys) + list(funcs):
        offs.append(len(names))
        names += n.encode() + b"\0"
    func_offs = offs[len(decoys):]
    nfunc = len(funcs)
    magic = struct.pack(bo + "I", MAGICS[fmt]) + bytes([0, 0, 1, ps])
    if fmt in ("1.20", "1.18", "1.16"):
        nwords = 8 if fmt != "1.16" else 7
        hdr_len = 8 + nwords * ps
        nametab_off = hdr_len
        cu_off = nametab_off + len(names)
        functab_off = cu_off + (-cu_off % 8)
        field = 4 if fmt != "1.16" else ps
        ffmt = bo + ("I" if field == 4 else ("Q" if ps == 8 else "I"))
        table = bytearray()
        funcs_area = bytearray()
        fstart = (2 * nfunc + 1) * field
        fstart += -fstart % 8
        for i, no in enumerate(func_offs):
            table += struct.pack(ffmt, 0x1000 * i) + struct.pack(ffmt, fstart + len(funcs_area))
            entry = struct.pack(bo + "I", 0x1000 * i) if fmt != "1.16" else struct.pack(word, 0x1000 * i)
            funcs_area += entry + struct.pack(bo + "i", no) + b"\0" * 32
        table += struct.pack(ffmt, 0x1000 * nfunc)
        table += b"\0" * (fstart - len(table))
        if fmt == "1.16":
            words = [nfunc, 0, nametab_off, cu_off, cu_off, cu_off, functab_off]
        else:
            words = [nfunc, 0, 0x400000, nametab_off, cu_off, cu_off, cu_off, functab_off]
        hdr = magic + b"".join(struct.pack(word, w) for w in words)
        body = hdr + bytes(names) + b"\0" * (functab_off - cu_off)
        return bytes(body + table + funcs_area)
    # Go 1.2-1.15: names and _func records live in the table itself, offsets from its start
    hdr = magic + struct.pack(word, nfunc)
    table_len = (2 * nfunc + 1) * ps + 4
    funcs_start = len(hdr) + table_len
    funcs_start += -funcs_start % 8
    names_start = funcs_start + nfunc * (ps + 4 + 32)
    table = bytearray()
    funcs_area = bytearray()
    for i, no in enumerate(func_offs):
        table += struct.pack(word, 0x1000 * i) + struct.pack(word, funcs_start + len(funcs_area))
        funcs_area += struct.pack(word, 0x1000 * i) + struct.pack(bo + "i", names_start + no) + b"\0" * 32
    table += struct.pack(word, 0x1000 * nfunc) + struct.pack(bo + "I", 0)
    body = hdr + table
    body += b"\0" * (funcs_start - len(body))
    return bytes(body + funcs_area + names)


def dynamic_go_elf(needed: list[str], interp: str = "/lib64/ld-linux-x86-64.so.2", version: str = "go1.22.5",
                   runpath: str | None = None) -> bytes:
    """A 64-bit little-endian x86-64 ELF executable that golayer takes for a dynamically linked Go
    program: one RW PT_LOAD mapping the whole file, PT_INTERP, PT_DYNAMIC (DT_NEEDED..., DT_STRTAB,
    DT_STRSZ, optional DT_RUNPATH), a ``Go`` PT_NOTE and Go >= 1.18 inline buildinfo. No sections."""
    va = BASE
    nph = 4
    ph_off = 64
    body_off = ph_off + 56 * nph
    interp_b = interp.encode() + b"\0"
    note = struct.pack("<III", 3, 4, 4) + b"Go\0\0" + b"abcd"
    strtab = bytearray(b"\0")
    offs = []
    for n in needed:
        offs.append(len(strtab))
        strtab += n.encode() + b"\0"
    rp = None
    if runpath is not None:
        rp = len(strtab)
        strtab += runpath.encode() + b"\0"
    layout = bytearray()

    def put(b: bytes, align: int = 16) -> int:
        layout.extend(b"\0" * (-(body_off + len(layout)) % align))
        at = body_off + len(layout)
        layout.extend(b)
        return at

    interp_at = put(interp_b)
    note_at = put(note, 4)
    str_at = put(bytes(strtab))

    def uvar(n: int) -> bytes:
        out = bytearray()
        while n >= 0x80:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        out.append(n)
        return bytes(out)

    vers = version.encode()
    bi = b"\xff Go buildinf:" + bytes([8, 2]) + b"\0" * 16 + uvar(len(vers)) + vers + uvar(0)
    put(bi, 16)
    dyn = b"".join(struct.pack("<qQ", 1, o) for o in offs)
    if rp is not None:
        dyn += struct.pack("<qQ", 29, rp)
    dyn += struct.pack("<qQ", 5, va + str_at) + struct.pack("<qQ", 10, len(strtab)) + struct.pack("<qQ", 0, 0)
    dyn_at = put(dyn, 8)
    total = body_off + len(layout)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    eh = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, va, ph_off, 0, 0, 64, 56, nph, 64, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 1, 6, 0, va, va, total, total, 0x1000)
    ph += struct.pack("<IIQQQQQQ", 3, 4, interp_at, va + interp_at, va + interp_at, len(interp_b), len(interp_b), 1)
    ph += struct.pack("<IIQQQQQQ", 4, 4, note_at, va + note_at, va + note_at, len(note), len(note), 4)
    ph += struct.pack("<IIQQQQQQ", 2, 6, dyn_at, va + dyn_at, va + dyn_at, len(dyn), len(dyn), 8)
    out = eh + ph + bytes(layout)
    assert len(out) == total
    return out
