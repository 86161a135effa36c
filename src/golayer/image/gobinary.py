"""Read what matters about a Go (or any ELF) executable from its bytes, in pure Python.

``inspect(data, path)`` returns a :class:`~golayer.image.model.BinaryInfo`:

* **ELF**: class (32/64 bit), byte order, type, machine, program headers, section headers (when
  present). Everything that decides whether the binary *runs* is read from program headers only
  (``PT_INTERP``, ``PT_DYNAMIC`` -> ``DT_NEEDED``/``DT_RUNPATH``/``DT_RPATH`` through ``DT_STRTAB``
  mapped by ``PT_LOAD``), so it works on binaries whose section headers were stripped.
* **Go buildinfo** (``go version -m``): the ``.go.buildinfo`` section, or the 16-byte aligned
  ``\\xff Go buildinf:`` header found in the loaded segments when there are no sections. Both
  layouts: inline varint strings (Go >= 1.18, flags bit 1) and pointers to Go string headers
  (Go < 1.18) followed through ``PT_LOAD`` virtual addresses. The module text is parsed exactly like
  ``runtime/debug.ParseBuildInfo`` (see :func:`buildinfo_json` for the JSON shape).
* **Function names** from ``.gopclntab`` (which survives ``-ldflags='-s -w'``), located by section
  name or by its magic (Go 1.2-1.15, 1.16-1.17, 1.18-1.19, 1.20+). Only the names the checks need
  are kept (:data:`WATCHED_FUNCTIONS`), plus the function count.
* **Size facts**: ``.symtab``/``.strtab`` bytes and ``.debug_*``/``.zdebug_*`` bytes (what
  ``-s -w`` would remove).

Never raises on bad input: a truncated or corrupt ELF yields ``BinaryInfo.error``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Iterable

from golayer.image.model import BinaryInfo, BuildInfo

BUILDINFO_MAGIC = b"\xff Go buildinf:"
PCLNTAB_MAGICS = {
    0xFFFFFFF1: "1.20",  # Go 1.20+
    0xFFFFFFF0: "1.18",  # Go 1.18-1.19
    0xFFFFFFFA: "1.16",  # Go 1.16-1.17
    0xFFFFFFFB: "1.2",  # Go 1.2-1.15
}

# Function names the image checks look for (verified against real Go 1.27 builds, see
# tests/image/test_gobinary_functions.py):
#   crypto/x509.loadSystemRoots / systemRootsPool / initSystemRoots: the system CA pool is
#     reachable (any TLS client verifying against system roots, x509.SystemCertPool).
#   time.LoadLocation: named zone lookups (reads /usr/share/zoneinfo, $ZONEINFO, or embedded data).
#   time/tzdata.loadFromEmbeddedTZData / time/tzdata.init.0: `import _ "time/tzdata"` or
#     `-tags timetzdata` embedded the zone database (+412 kB measured with Go 1.27.3).
SYSTEM_ROOTS_FUNCS = (
    "crypto/x509.loadSystemRoots",
    "crypto/x509.systemRootsPool",
    "crypto/x509.initSystemRoots",
)
LOAD_LOCATION_FUNCS = ("time.LoadLocation",)
TZDATA_FUNCS = ("time/tzdata.loadFromEmbeddedTZData", "time/tzdata.init.0")
WATCHED_FUNCTIONS = SYSTEM_ROOTS_FUNCS + LOAD_LOCATION_FUNCS + TZDATA_FUNCS

PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE = 1, 2, 3, 4
PF_W = 2
ET_EXEC, ET_DYN = 2, 3
DT_NULL, DT_NEEDED, DT_STRTAB, DT_STRSZ, DT_RPATH, DT_RUNPATH, DT_FLAGS_1 = 0, 1, 5, 10, 15, 29, 0x6FFFFFFB
DF_1_PIE = 0x08000000
SHT_NOBITS = 8

MAX_SECTIONS = 4096
MAX_SEGMENTS = 1024
MAX_DYN_ENTRIES = 4096
MAX_STRING = 1 << 20  # a single buildinfo/needed string is never larger than this

# ELF e_machine -> GOARCH-like name and Debian multiarch triplet(s), ":"-separated (library search)
MACHINES: dict[int, tuple[str, str]] = {
    3: ("386", "i386-linux-gnu"),
    8: ("mips", "mips-linux-gnu"),
    20: ("ppc", "powerpc-linux-gnu"),
    21: ("ppc64", "powerpc64le-linux-gnu"),
    22: ("s390x", "s390x-linux-gnu"),
    40: ("arm", "arm-linux-gnueabihf:arm-linux-gnueabi"),
    62: ("amd64", "x86_64-linux-gnu"),
    183: ("arm64", "aarch64-linux-gnu"),
    243: ("riscv64", "riscv64-linux-gnu"),
    258: ("loong64", "loongarch64-linux-gnu"),
}


class ElfError(Exception):
    """The bytes are not a readable ELF file (message says why)."""


class Segment:
    __slots__ = ("type", "flags", "offset", "vaddr", "filesz", "memsz")

    def __init__(self, type_: int, flags: int, offset: int, vaddr: int, filesz: int, memsz: int):
        self.type, self.flags, self.offset, self.vaddr, self.filesz, self.memsz = (
            type_, flags, offset, vaddr, filesz, memsz)


class Section:
    __slots__ = ("name", "type", "flags", "addr", "offset", "size")

    def __init__(self, name: str, type_: int, flags: int, addr: int, offset: int, size: int):
        self.name, self.type, self.flags, self.addr, self.offset, self.size = (
            name, type_, flags, addr, offset, size)


class Elf:
    """A minimal ELF reader over bytes: headers, program headers, section headers, vaddr mapping.

    Problems that still leave something readable (section headers cut off by truncation) are
    collected in ``problems`` instead of raised.
    """

    def __init__(self, data: bytes):
        self.data = data
        self.size = n = len(data)
        self.problems: list[str] = []
        if n < 16 or bytes(data[:4]) != b"\x7fELF":
            raise ElfError("not an ELF file")
        cls, enc = data[4], data[5]
        if cls not in (1, 2):
            raise ElfError(f"bad ELF class {cls}")
        if enc not in (1, 2):
            raise ElfError(f"bad ELF byte order {enc}")
        self.bits = 64 if cls == 2 else 32
        self.ptrsize = 8 if cls == 2 else 4
        self.bo = "<" if enc == 1 else ">"
        hsize = 64 if cls == 2 else 52
        if n < hsize:
            raise ElfError(f"truncated ELF header ({n} of {hsize} bytes)")
        if cls == 2:
            (self.type, self.machine, _v, self.entry, phoff, shoff, _f, _eh, phentsize, phnum,
             shentsize, shnum, shstrndx) = struct.unpack_from(self.bo + "HHIQQQIHHHHHH", data, 16)
        else:
            (self.type, self.machine, _v, self.entry, phoff, shoff, _f, _eh, phentsize, phnum,
             shentsize, shnum, shstrndx) = struct.unpack_from(self.bo + "HHIIIIIHHHHHH", data, 16)
        self.segments = self._read_segments(phoff, phentsize, phnum)
        self.sections = self._read_sections(shoff, shentsize, shnum, shstrndx)
        ends = [p.offset + p.filesz for p in self.segments if p.type == PT_LOAD]
        ends += [s.offset + s.size for s in self.sections if s.type not in (0, SHT_NOBITS)]
        if ends and max(ends) > n:
            self.problems.append(f"truncated: the file has {n} bytes but its segments/sections "
                                 f"extend to {max(ends)}")

    # -- headers -----------------------------------------------------------------------------
    def _read_segments(self, phoff: int, entsize: int, num: int) -> list[Segment]:
        out: list[Segment] = []
        if num == 0 or phoff == 0:
            return out
        want = 56 if self.bits == 64 else 32
        if entsize < want:
            self.problems.append(f"bad program header size {entsize}")
            return out
        if num > MAX_SEGMENTS:
            self.problems.append(f"{num} program headers (more than {MAX_SEGMENTS}): ignored")
            return out
        if phoff + entsize * num > self.size:
            raise ElfError(f"truncated: program headers end at {phoff + entsize * num}, "
                           f"file has {self.size} bytes")
        fmt = self.bo + ("IIQQQQQQ" if self.bits == 64 else "IIIIIIII")
        for i in range(num):
            v = struct.unpack_from(fmt, self.data, phoff + i * entsize)
            if self.bits == 64:
                p_type, p_flags, p_off, p_vaddr, _pa, p_filesz, p_memsz, _al = v
            else:
                p_type, p_off, p_vaddr, _pa, p_filesz, p_memsz, p_flags, _al = v
            out.append(Segment(p_type, p_flags, p_off, p_vaddr, p_filesz, p_memsz))
        return out

    def _read_sections(self, shoff: int, entsize: int, num: int, strndx: int) -> list[Section]:
        if shoff == 0:
            return []
        want = 64 if self.bits == 64 else 40
        if entsize < want:
            self.problems.append(f"bad section header size {entsize}")
            return []
        fmt = self.bo + ("IIQQQQIIQQ" if self.bits == 64 else "IIIIIIIIII")
        if shoff + entsize > self.size:
            self.problems.append(f"truncated: section headers at offset {shoff} lie beyond the end of "
                                 f"the file ({self.size} bytes)")
            return []
        if num == 0 or strndx == 0xFFFF:  # extended numbering: real values in section 0
            s0 = struct.unpack_from(fmt, self.data, shoff)
            if num == 0:
                num = s0[5]
            if strndx == 0xFFFF:
                strndx = s0[6]
        if num > MAX_SECTIONS:
            self.problems.append(f"{num} section headers (more than {MAX_SECTIONS}): ignored")
            return []
        if shoff + entsize * num > self.size:
            self.problems.append(f"truncated: section headers end at {shoff + entsize * num}, "
                                 f"file has {self.size} bytes")
            return []
        raw = [struct.unpack_from(fmt, self.data, shoff + i * entsize) for i in range(num)]
        names_off = names_end = 0
        if 0 < strndx < num:
            names_off = raw[strndx][4]
            names_end = min(self.size, names_off + raw[strndx][5])
        out: list[Section] = []
        for r in raw:
            name = ""
            if names_end > names_off:
                start = names_off + r[0]
                if start < names_end:
                    end = bytes(self.data[start:min(names_end, start + 256)]).find(b"\0")
                    name = bytes(self.data[start:start + end if end >= 0 else names_end]).decode(
                        "latin-1")
            out.append(Section(name, r[1], r[2], r[3], r[4], r[5]))
        return out

    # -- access --------------------------------------------------------------------------------
    def section(self, name: str) -> Section | None:
        for s in self.sections:
            if s.name == name:
                return s
        return None

    def section_bytes(self, s: Section) -> memoryview:
        if s.type == SHT_NOBITS:
            return memoryview(b"")
        return memoryview(self.data)[s.offset:min(self.size, s.offset + s.size)]

    def segments_of(self, type_: int) -> list[Segment]:
        return [p for p in self.segments if p.type == type_]

    def read_vaddr(self, addr: int, size: int) -> bytes:
        """Bytes at a virtual address through the PT_LOAD (or any) segment holding it, like
        debug/buildinfo's DataReader: clamped to the segment's file-backed part."""
        for p in self.segments:
            if p.filesz and p.vaddr <= addr <= p.vaddr + p.filesz - 1:
                off = p.offset + (addr - p.vaddr)
                end = min(off + size, p.offset + p.filesz, self.size)
                return bytes(self.data[off:end]) if end > off else b""
        return b""

    def vaddr_to_offset(self, addr: int) -> int | None:
        for p in self.segments:
            if p.type == PT_LOAD and p.filesz and p.vaddr <= addr < p.vaddr + p.filesz:
                off = p.offset + (addr - p.vaddr)
                return off if off < self.size else None
        return None

    def uint(self, b: bytes | memoryview, off: int, size: int) -> int:
        return int.from_bytes(b[off:off + size], "little" if self.bo == "<" else "big")

    def cstring(self, off: int, limit: int = 4096) -> str:
        end = min(self.size, off + limit)
        chunk = bytes(self.data[off:end])
        i = chunk.find(b"\0")
        return (chunk if i < 0 else chunk[:i]).decode("utf-8", "replace")

    # -- dynamic linking -----------------------------------------------------------------------
    def dynamic(self) -> dict[str, Any]:
        """PT_INTERP, DT_NEEDED, DT_RUNPATH/RPATH and DT_FLAGS_1 from program headers only."""
        out: dict[str, Any] = {"interp": None, "needed": [], "runpath": [], "rpath": [], "flags_1": 0,
                               "has_dynamic": False}
        for p in self.segments_of(PT_INTERP):
            if p.offset < self.size:
                raw = bytes(self.data[p.offset:min(self.size, p.offset + min(p.filesz, 4096))])
                out["interp"] = raw.split(b"\0", 1)[0].decode("utf-8", "replace")
            break
        dyns = self.segments_of(PT_DYNAMIC)
        if not dyns:
            return out
        p = dyns[0]
        out["has_dynamic"] = True
        esz = 2 * self.ptrsize
        start, end = p.offset, min(self.size, p.offset + p.filesz)
        fmt = self.bo + ("qQ" if self.bits == 64 else "iI")
        entries: list[tuple[int, int]] = []
        pos = start
        while pos + esz <= end and len(entries) < MAX_DYN_ENTRIES:
            tag, val = struct.unpack_from(fmt, self.data, pos)
            if tag == DT_NULL:
                break
            entries.append((tag, val))
            pos += esz
        strtab = next((v for t, v in entries if t == DT_STRTAB), None)
        strsz = next((v for t, v in entries if t == DT_STRSZ), None)
        out["flags_1"] = next((v for t, v in entries if t == DT_FLAGS_1), 0)
        if strtab is None:
            if any(t in (DT_NEEDED, DT_RUNPATH, DT_RPATH) for t, _ in entries):
                self.problems.append("dynamic section has no DT_STRTAB")
            return out
        base = self.vaddr_to_offset(strtab)
        if base is None:
            self.problems.append(f"DT_STRTAB 0x{strtab:x} is not inside a loaded segment")
            return out
        limit = min(self.size, base + strsz) if strsz else self.size

        def string(off: int) -> str | None:
            pos = base + off
            if pos >= limit:
                self.problems.append(f"dynamic string offset {off} outside the string table")
                return None
            chunk = bytes(self.data[pos:min(limit, pos + 4096)])
            i = chunk.find(b"\0")
            return (chunk if i < 0 else chunk[:i]).decode("utf-8", "replace")

        for tag, val in entries:
            if tag == DT_NEEDED:
                s = string(val)
                if s:
                    out["needed"].append(s)
            elif tag in (DT_RUNPATH, DT_RPATH):
                s = string(val)
                if s is not None:
                    out["runpath" if tag == DT_RUNPATH else "rpath"].extend(x for x in s.split(":") if x)
        return out


# -- buildinfo -----------------------------------------------------------------------------------
def _uvarint(b: bytes, pos: int) -> tuple[int, int]:
    """(value, bytes used) like encoding/binary.Uvarint; used <= 0 on error."""
    x = s = 0
    for i in range(min(10, len(b) - pos)):
        c = b[pos + i]
        if c < 0x80:
            if i == 9 and c > 1:
                return 0, -(i + 1)
            return x | (c << s), i + 1
        x |= (c & 0x7F) << s
        s += 7
    return 0, 0


def _find_buildinfo(elf: Elf) -> int | None:
    """Virtual address of the buildinfo header (None when there is none)."""
    sec = elf.section(".go.buildinfo")
    if sec is not None and sec.size:
        got = _search_magic(elf, sec.addr, sec.size)
        if got is not None:
            return got
    if elf.sections and sec is None and not elf.problems:
        # Sections are present and intact but there is no .go.buildinfo: Go's own reader
        # gives up here too ("not a Go executable").
        return None
    # Section headers stripped or unreadable: search the loaded segments, writable ones first
    # (the linker puts .go.buildinfo at the start of the data segment).
    loads = sorted(elf.segments_of(PT_LOAD), key=lambda p: not (p.flags & PF_W))
    for p in loads:
        got = _search_magic(elf, p.vaddr, p.filesz)
        if got is not None:
            return got
    return None


def _search_magic(elf: Elf, addr: int, size: int) -> int | None:
    """debug/buildinfo's searchMagic: the first 16-byte aligned (by virtual address) magic in
    [addr, addr+size), read through the segment that maps addr."""
    for p in elf.segments:
        if not p.filesz or not (p.vaddr <= addr <= p.vaddr + p.filesz - 1):
            continue
        off = p.offset + (addr - p.vaddr)
        end = min(p.offset + p.filesz, off + size, elf.size)
        pos = off
        while True:
            i = elf.data.find(BUILDINFO_MAGIC, pos, end)
            if i < 0 or end - i < 32:
                return None
            va = p.vaddr + (i - p.offset)
            if va % 16 == 0:
                return va
            pos = i + 1
    return None


def read_buildinfo(elf: Elf) -> tuple[str, str] | None:
    """(go version, module text without sentinels) or None for a non-Go ELF."""
    addr = _find_buildinfo(elf)
    if addr is None:
        return None
    header = elf.read_vaddr(addr, 32)
    if len(header) < 32:
        return None
    flags = header[15]
    if flags & 0x2:  # inline strings, Go >= 1.18
        vers, nxt = _decode_string(elf, addr + 32)
        mod, _ = _decode_string(elf, nxt) if vers is not None else (None, 0)
        if vers is None:
            raise ElfError("corrupt Go buildinfo (version string)")
        mod = mod or ""
    else:  # pointers to Go string headers, Go < 1.18
        ptrsize = header[14]
        if ptrsize not in (4, 8):
            raise ElfError(f"corrupt Go buildinfo (pointer size {ptrsize})")
        order = "big" if flags & 0x1 else "little"
        vptr = int.from_bytes(header[16:16 + ptrsize], order)
        mptr = int.from_bytes(header[16 + ptrsize:16 + 2 * ptrsize], order)
        vers = _read_go_string(elf, ptrsize, order, vptr)
        mod = _read_go_string(elf, ptrsize, order, mptr)
    if not vers:
        raise ElfError("corrupt Go buildinfo (empty version)")
    if len(mod) >= 33 and mod[-17] == "\n":
        mod = mod[16:-16]
    else:
        mod = ""
    return vers, mod


def _decode_string(elf: Elf, addr: int) -> tuple[str | None, int]:
    b = elf.read_vaddr(addr, 10)
    length, n = _uvarint(b, 0)
    if n <= 0 or length > MAX_STRING:
        return None, 0
    data = elf.read_vaddr(addr + n, length)
    if len(data) < length:
        return None, 0
    return data.decode("utf-8", "replace"), addr + n + length


def _read_go_string(elf: Elf, ptrsize: int, order: str, addr: int) -> str:
    hdr = elf.read_vaddr(addr, 2 * ptrsize)
    if len(hdr) < 2 * ptrsize:
        return ""
    daddr = int.from_bytes(hdr[:ptrsize], order)
    dlen = int.from_bytes(hdr[ptrsize:], order)
    if dlen > MAX_STRING:
        return ""
    data = elf.read_vaddr(daddr, dlen)
    if len(data) < dlen:
        return ""
    return data.decode("utf-8", "replace")


def _go_unquote(s: str) -> str:
    """strconv.Unquote for the quoted build setting values Go writes (strconv.Quote output)."""
    if len(s) < 2 or s[0] != s[-1] or s[0] not in "\"`":
        raise ValueError("not quoted")
    if s[0] == "`":
        body = s[1:-1]
        if "`" in body:
            raise ValueError("bad raw string")
        return body.replace("\r", "")
    body = s[1:-1]
    out: list[str] = []
    i = 0
    simple = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\",
              '"': '"'}
    raw = bytearray()

    def flush() -> None:
        if raw:
            out.append(raw.decode("utf-8", "replace"))
            raw.clear()

    while i < len(body):
        c = body[i]
        if c == '"' or c == "\n":
            raise ValueError("bad quoted string")
        if c != "\\":
            flush()
            out.append(c)
            i += 1
            continue
        if i + 1 >= len(body):
            raise ValueError("bad escape")
        e = body[i + 1]
        if e in simple:
            flush()
            out.append(simple[e])
            i += 2
        elif e == "x":
            raw.append(int(body[i + 2:i + 4], 16))
            i += 4
        elif e in "01234567":
            raw.append(int(body[i + 1:i + 4], 8) & 0xFF)
            i += 4
        elif e in "uU":
            n = 4 if e == "u" else 8
            flush()
            out.append(chr(int(body[i + 2:i + 2 + n], 16)))
            i += 2 + n
        else:
            raise ValueError("bad escape")
    flush()
    return "".join(out)


def parse_modinfo(vers: str, mod: str) -> BuildInfo:
    """runtime/debug.ParseBuildInfo, line for line (lines without a final newline are dropped)."""
    bi = BuildInfo(go_version=vers)
    last: dict[str, Any] | None = None
    lines = mod.split("\n")[:-1]  # strings.Cut loop: a trailing partial line is ignored
    for line in lines:
        if line.startswith("path\t"):
            bi.path = line[5:]
        elif line.startswith("mod\t"):
            bi.main = _module(line[4:].split("\t"))
            last = bi.main
        elif line.startswith("dep\t"):
            last = _module(line[4:].split("\t"))
            bi.deps.append(last)
        elif line.startswith("=>\t"):
            elem = line[3:].split("\t")
            if len(elem) != 3 or last is None:
                raise ValueError("malformed replacement line in Go buildinfo")
            last["Replace"] = {"Path": elem[0], "Version": elem[1], "Sum": elem[2]}
            last = None
        elif line.startswith("build\t"):
            kv = line[6:]
            if not kv:
                raise ValueError("build line missing '='")
            if kv[0] in "\"`":
                key, rest = _quoted_prefix(kv)
                if not rest.startswith("="):
                    raise ValueError("build line missing '=' after quoted key")
                raw_value = rest[1:]
            else:
                key, sep, raw_value = kv.partition("=")
                if not sep:
                    raise ValueError("build line missing '=' after key")
            value = _go_unquote(raw_value) if raw_value[:1] in ("\"", "`") else raw_value
            bi.settings.append({"Key": key, "Value": value})
    return bi


def _quoted_prefix(s: str) -> tuple[str, str]:
    q = s[0]
    i = 1
    while i < len(s):
        if s[i] == "\\" and q == '"':
            i += 2
            continue
        if s[i] == q:
            return _go_unquote(s[:i + 1]), s[i + 1:]
        i += 1
    raise ValueError("invalid quoted key in build line")


def _module(elem: list[str]) -> dict[str, Any]:
    if len(elem) not in (2, 3):
        raise ValueError(f"expected 2 or 3 columns; got {len(elem)}")
    return {"Path": elem[0], "Version": elem[1], "Sum": elem[2] if len(elem) == 3 else ""}


def _module_json(m: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not m:
        return out
    for k in ("Path", "Version", "Sum"):
        if m.get(k):
            out[k] = m[k]
    if m.get("Replace"):
        out["Replace"] = _module_json(m["Replace"])
    return out


def buildinfo_json(bi: BuildInfo) -> dict[str, Any]:
    """The exact object ``go version -m -json`` prints (omitempty rules of runtime/debug.BuildInfo:
    ``Main`` is always present, empty strings and empty lists are left out)."""
    out: dict[str, Any] = {}
    if bi.go_version:
        out["GoVersion"] = bi.go_version
    if bi.path:
        out["Path"] = bi.path
    out["Main"] = _module_json(bi.main)
    if bi.deps:
        out["Deps"] = [_module_json(d) for d in bi.deps]
    if bi.settings:
        out["Settings"] = [{k: v for k, v in s.items() if v} for s in bi.settings]
    return out


# -- pclntab -------------------------------------------------------------------------------------
def _find_pclntab(elf: Elf) -> tuple[int, int] | None:
    """(file offset, end offset) of the pcln table."""
    for name in (".gopclntab", ".data.rel.ro.gopclntab"):
        sec = elf.section(name)
        if sec is not None and sec.type != SHT_NOBITS and sec.offset < elf.size:
            return sec.offset, min(elf.size, sec.offset + sec.size)
    if elf.sections and not elf.problems:
        return None  # intact section headers without a pcln table: not a Go program
    # No (readable) sections: look for a plausible header in the loaded segments, read-only first.
    loads = sorted(elf.segments_of(PT_LOAD), key=lambda p: bool(p.flags & PF_W))
    order = "little" if elf.bo == "<" else "big"
    for p in loads:
        start, end = p.offset, min(elf.size, p.offset + p.filesz)
        for magic in PCLNTAB_MAGICS:
            needle = magic.to_bytes(4, order) + b"\0\0"
            pos = start
            for _ in range(64):  # a few false hits at most
                i = elf.data.find(needle, pos, end)
                if i < 0:
                    break
                if (i - start) % 4 == 0 and _plausible_pclntab(elf, i, end):
                    return i, end
                pos = i + 1
    return None


def _plausible_pclntab(elf: Elf, off: int, end: int) -> bool:
    d = elf.data
    if off + 8 + 8 * elf.ptrsize > end:
        return False
    quantum, ptrsize = d[off + 6], d[off + 7]
    if quantum not in (1, 2, 4) or ptrsize != elf.ptrsize:
        return False
    nfunc = elf.uint(d, off + 8, ptrsize)
    return 0 < nfunc < 10_000_000


def read_functions(elf: Elf, watched: Iterable[str] = WATCHED_FUNCTIONS) -> tuple[int, set[str], str]:
    """(function count, watched names that are real functions, pclntab format) from .gopclntab.

    Names are checked against the function table itself (each _func's nameOff), so a name that
    only appears as an inlined call does not count as a linked function.
    """
    found = _find_pclntab(elf)
    if found is None:
        return 0, set(), ""
    off, end = found
    d = elf.data
    if end - off < 16:
        raise ElfError("truncated .gopclntab")
    order = "little" if elf.bo == "<" else "big"
    magic = int.from_bytes(d[off:off + 4], order)
    fmt = PCLNTAB_MAGICS.get(magic)
    if fmt is None:
        raise ElfError(f"unknown .gopclntab magic 0x{magic:08x}")
    ps = d[off + 7]
    if ps not in (4, 8):
        raise ElfError(f"bad .gopclntab pointer size {ps}")

    def word(i: int) -> int:
        pos = off + 8 + i * ps
        if pos + ps > end:
            raise ElfError("truncated .gopclntab header")
        return int.from_bytes(d[pos:pos + ps], order)

    nfunc = word(0)
    if fmt in ("1.20", "1.18"):
        nametab, functab, fieldsz, entsz0 = off + word(3), off + word(7), 4, 4
        nameend = off + word(4)  # the cu table follows the function name table
        funcdata = functab
    elif fmt == "1.16":
        nametab, functab, fieldsz, entsz0 = off + word(2), off + word(6), ps, ps
        nameend = off + word(3)
        funcdata = functab
    else:
        nametab, functab, fieldsz, entsz0 = off, off + 8 + ps, ps, ps
        nameend = end
        funcdata = off
    if not nametab <= nameend <= end:
        nameend = end
    table_end = functab + (2 * nfunc + 1) * fieldsz
    if nfunc > 10_000_000 or table_end > end or nametab > end:
        raise ElfError(f"corrupt .gopclntab ({nfunc} functions do not fit in {end - off} bytes)")
    # Offsets (inside the name table) of the watched names, then check which of them some
    # function's nameOff points at.
    wanted: dict[int, str] = {}
    search_end = nameend
    for name in watched:
        needle = b"\0" + name.encode() + b"\0"
        i = d.find(needle, nametab, search_end)
        while i >= 0:
            wanted[i + 1 - nametab] = name
            i = d.find(needle, i + 1, search_end)
        # a name at the very start of the name table has no leading NUL
        head = name.encode() + b"\0"
        if bytes(d[nametab:nametab + len(head)]) == head:
            wanted[0] = name
    names: set[str] = set()
    if wanted:
        nameoff_pos = entsz0  # _func: entry (4 bytes for 1.18+, uintptr before), then nameOff int32
        tab = d[functab:table_end]
        if fieldsz == 4:
            # Go 1.18+: the function table is (entryOff, funcOff) uint32 pairs
            import array

            arr = array.array("I", tab[: (len(tab) // 4) * 4])
            swap = (order == "big") != (struct.pack("=I", 1) == struct.pack(">I", 1))
            if swap:
                arr.byteswap()
            fos = arr[1:2 * nfunc:2]
            if fos:
                # every _func record lies in [funcdata, funcdata + max(funcoff) + 8): read that
                # span as 32-bit words once and pick each function's nameOff word
                span = min(end, funcdata + max(fos) + nameoff_pos + 4) - funcdata
                words = array.array("I", d[funcdata:funcdata + (span // 4) * 4])
                if swap:
                    words.byteswap()
                k = nameoff_pos >> 2
                n = len(words)
                offs = {words[(fo >> 2) + k] for fo in fos if not fo & 3 and (fo >> 2) + k < n}
                if any(fo & 3 for fo in fos):  # unaligned records (never seen): read them one by one
                    offs |= {int.from_bytes(d[funcdata + fo + nameoff_pos:funcdata + fo + nameoff_pos + 4], order)
                             for fo in fos if fo & 3}
                names = {name for no, name in wanted.items() if no in offs}
        else:
            for i in range(0, 2 * nfunc * ps, 2 * fieldsz):
                fo = int.from_bytes(tab[i + ps:i + 2 * ps], order)
                p = funcdata + fo + nameoff_pos
                if p + 4 > end:
                    continue
                hit = wanted.get(int.from_bytes(d[p:p + 4], order))
                if hit is not None:
                    names.add(hit)
    return nfunc, names, fmt


# -- the entry point -----------------------------------------------------------------------------
@dataclass
class ElfFacts:
    """What :func:`inspect_elf` learns beyond :class:`BinaryInfo` (used to resolve libraries)."""

    bits: int = 0  # 32 / 64
    big_endian: bool = False
    machine: int = 0  # e_machine
    elf_type: int = 0  # e_type
    runpath: list[str] = field(default_factory=list)  # DT_RUNPATH
    rpath: list[str] = field(default_factory=list)  # DT_RPATH
    function_count: int = 0  # functions in .gopclntab
    pclntab_format: str = ""  # "1.20" | "1.18" | "1.16" | "1.2"
    buildinfo_found: bool = False


def inspect(data: bytes | bytearray | memoryview, path: str) -> BinaryInfo:
    """Everything golayer needs to know about one ELF file. Never raises."""
    return inspect_elf(data, path)[0]


def inspect_elf(data: bytes | bytearray | memoryview, path: str) -> tuple[BinaryInfo, ElfFacts]:
    info = BinaryInfo(path=path, size=len(data), is_go=False)
    facts = ElfFacts()
    try:
        _inspect(bytes(data) if not isinstance(data, bytes) else data, info, facts)
    except ElfError as exc:
        info.error = str(exc)
    except (struct.error, ValueError, IndexError, OverflowError, MemoryError) as exc:  # corrupt input
        info.error = f"corrupt ELF: {exc.__class__.__name__}: {exc}"
    return info, facts


def _inspect(data: bytes, info: BinaryInfo, facts: ElfFacts) -> None:
    elf = Elf(data)
    facts.bits, facts.big_endian, facts.machine, facts.elf_type = (
        elf.bits, elf.bo == ">", elf.machine, elf.type)
    # linkage (program headers only)
    dyn = elf.dynamic()
    info.interpreter = dyn["interp"]
    info.needed = dyn["needed"]
    facts.runpath, facts.rpath = dyn["runpath"], dyn["rpath"]
    if dyn["interp"]:
        info.linkage = "dynamic"
    elif elf.type == ET_DYN and dyn["has_dynamic"]:
        info.linkage = "static-pie"
    else:
        info.linkage = "static"
    # sizes of what -s -w removes
    symtab = debug = 0
    for s in elf.sections:
        if s.type == SHT_NOBITS:
            continue
        if s.name in (".symtab", ".strtab"):
            symtab += s.size
        elif s.name.startswith((".debug_", ".zdebug_")):
            debug += s.size
    info.symtab_bytes = symtab
    info.debug_bytes = debug
    info.stripped = elf.section(".symtab") is None
    # Go
    problems: list[str] = []
    try:
        raw = read_buildinfo(elf)
    except ElfError as exc:
        raw = None
        problems.append(str(exc))
    if raw is not None:
        facts.buildinfo_found = True
        info.is_go = True
        vers, mod = raw
        try:
            info.buildinfo = parse_modinfo(vers, mod)
        except ValueError as exc:
            info.buildinfo = BuildInfo(go_version=vers)
            problems.append(f"could not parse Go build info: {exc}")
        # Go >= 1.18 records build settings; -trimpath only when true. No settings: unknown.
        info.trimpath = (info.buildinfo.setting("-trimpath") == "true") if info.buildinfo.settings else None
    try:
        nfunc, names, fmt = read_functions(elf)
    except ElfError as exc:
        nfunc, names, fmt = 0, set(), ""
        if info.is_go:
            problems.append(str(exc))
    if fmt and not info.is_go:
        # a Go program whose buildinfo is gone (very old toolchain, or removed): still Go
        info.is_go = True
    facts.function_count, facts.pclntab_format = nfunc, fmt
    info.functions = names
    info.uses_system_roots = any(n in names for n in SYSTEM_ROOTS_FUNCS)
    info.uses_load_location = any(n in names for n in LOAD_LOCATION_FUNCS)
    info.embeds_tzdata = any(n in names for n in TZDATA_FUNCS)
    problems = elf.problems + problems
    if problems:
        info.error = "; ".join(problems)


def go_note(head: bytes) -> bool:
    """Whether the first bytes of an ELF (program headers inside them) carry the Go build-ID note
    (``PT_NOTE`` with owner ``Go``): a cheap "is this a Go binary?" before reading it whole."""
    try:
        elf = Elf(head)
    except (ElfError, struct.error):
        return False
    for p in elf.segments_of(PT_NOTE):
        pos, end = p.offset, min(len(head), p.offset + p.filesz)
        while pos + 12 <= end:
            namesz, descsz, _t = struct.unpack_from(elf.bo + "III", head, pos)
            name = bytes(head[pos + 12:pos + 12 + namesz]).rstrip(b"\0")
            if name == b"Go":
                return True
            pos += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
    return False
