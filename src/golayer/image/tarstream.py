"""A lean tar reader: walks headers, skips data, creates no per-member objects.

Python's ``tarfile`` builds a ``TarInfo`` object per member and takes 0.455 s just to list
the 24.7k headers of a real Go image (as long as dive's whole analysis, see FACTS.md). This
reader parses each 512-byte header with one ``struct`` call and yields a plain tuple::

    (name, typeflag, size, mode, uid, gid, mtime, linkname, data_offset)

``typeflag`` is one byte (``b"0"`` regular, ``b"5"`` dir, ...), ``data_offset`` is the offset of
the member's data inside the tar stream. Supported: v7, ustar (prefix field), GNU (``L``/``K``
long names and links, base-256 numbers) and pax (``x`` and ``g`` records: path, linkpath, size,
uid, gid, mtime). Sparse members are an error (an image layer never needs them, and a reader
that guessed their layout would misreport bytes).

Two block sources feed it:

* :class:`FileSlice` -- a seekable file region, read with ``os.pread`` in small windows; data is
  skipped by arithmetic, never read (this is what makes an uncompressed ``docker save`` fast and
  keeps memory flat: nothing is memory-mapped, so resident memory does not grow with the image).
* :class:`Stream` -- a forward-only byte stream (gzip/zstd decompressor, a socket, a nested tar
  member); skipped data is read and discarded. Callers may capture a member's data while the
  stream is positioned on it (``data(offset, n)``).

Bounds: member sizes beyond 1 TiB, headers that do not parse, a stream that ends inside a member
and decompressed layers beyond :data:`MAX_LAYER_BYTES` (or :data:`MAX_RATIO` times their
compressed size) are :class:`TarError` s with the offset, never a hang or unbounded memory.
"""

from __future__ import annotations

import os
import struct
from typing import Callable, Iterator

from golayer.errors import InputError

_HDR = struct.Struct("100s8s8s8s12s12s8sc100s6s2s32s32s8s8s155s")
# the fields walk() reads: name, mode, uid, gid, size, typeflag, linkname, magic, prefix
_HDR_LEAN = struct.Struct("100s8s8s8s12s12x8xc100s6s2x32x32x8x8x155s")
_ZERO = bytes(512)
_META_TYPES = frozenset((b"x", b"g", b"L", b"K", b"S"))
MAX_MEMBER = 1 << 40  # 1 TiB: no image layer holds a bigger file
MAX_META = 1 << 20  # pax / GNU long-name payloads
MAX_LAYER_BYTES = 1 << 36  # 64 GiB decompressed per layer
MAX_RATIO = 200  # decompressed / compressed, once past 1 GiB
MAX_ZSTD_WINDOW = 1 << 27  # zstd's own default limit (128 MiB): a hostile frame cannot demand more memory

Member = tuple  # (name, typeflag, size, mode, uid, gid, mtime, linkname, data_offset)


class TarError(InputError):
    """A tar stream that is truncated, corrupt or hostile."""


def _num(field: bytes, what: str, off: int) -> int:
    if field and field[0] & 0x80:  # GNU base-256
        v = int.from_bytes(field[1:], "big")
        if field[0] & 0x40:  # negative
            v -= 1 << (8 * (len(field) - 1) + 6)
        return v
    s = field.rstrip(b"\x00 ")
    if not s:
        return 0
    try:
        return int(s, 8)
    except ValueError:
        try:
            s = field.split(b"\x00", 1)[0].strip()
            return int(s, 8) if s else 0
        except ValueError:
            raise TarError(f"corrupt tar header at offset {off}: {what} field {field!r} is not a number",
                           hint="the archive is damaged or not a tar") from None


def _checksum_ok(block: bytes) -> bool:
    try:
        want = int(block[148:156].split(b"\x00", 1)[0].strip() or b"0", 8)
    except ValueError:
        return False
    s = sum(block) - sum(block[148:156]) + 8 * 32
    return s == want


def _pax(data: bytes, off: int) -> dict[str, str]:
    out: dict[str, str] = {}
    pos = 0
    n = len(data)
    while pos < n:
        if data[pos] == 0:
            break
        sp = data.find(b" ", pos)
        if sp < 0:
            raise TarError(f"corrupt pax header at offset {off}")
        try:
            ln = int(data[pos:sp])
        except ValueError:
            raise TarError(f"corrupt pax header at offset {off}") from None
        if ln <= 0 or pos + ln > n:
            raise TarError(f"corrupt pax header at offset {off}")
        rec = data[sp + 1 : pos + ln - 1]
        k, _, v = rec.partition(b"=")
        out[k.decode("utf-8", "surrogateescape")] = v.decode("utf-8", "surrogateescape")
        pos += ln
    return out


def walk(src: "FileSlice | Stream") -> Iterator[Member]:
    """Yield every member of the tar in ``src`` (meta members -- pax, GNU long names -- folded in).

    The per-member path is kept lean (it runs once per tar entry): the header is unpacked in place
    from the source's buffer (no 512-byte copy), only the fields an analysis reads are unpacked,
    and the octal mode/uid/gid fields, which repeat across an archive, are decoded once each."""
    off = 0
    unpack = _HDR_LEAN.unpack_from
    is_stream = isinstance(src, Stream)
    window = src.window
    gpax: dict[str, str] = {}
    pax: dict[str, str] | None = None
    longname: str | None = None
    longlink: str | None = None
    octal: dict[bytes, int] = {}  # raw 8-byte field -> value (bounded below)
    prev = 0
    while True:
        buf = src.buf
        s = off - src.bstart
        if s < 0 or s + 512 > len(buf):
            buf, s = window(off, prev)
            if s + 512 > len(buf):
                if s >= len(buf):
                    # A file region of known length may end without the end-of-archive blocks (sizes
                    # already prove it complete); a stream that stops there was cut short.
                    if is_stream:
                        raise TarError(f"truncated tar: the stream ends at offset {off} without the"
                                       " end-of-archive marker",
                                       hint="the blob is truncated (interrupted download or save?)")
                    return
                raise TarError(f"truncated tar: header at offset {off} is cut short",
                               hint="the blob is truncated (interrupted download or save?)")
        (name, mode, uid, gid, size, typ, link, magic, prefix) = unpack(buf, s)
        if magic[:5] != b"ustar":
            b = buf[s : s + 512]
            if b == _ZERO:
                return
            if not _checksum_ok(b):
                raise TarError(f"not a tar stream (bad header checksum at offset {off})",
                               hint="the blob is corrupt or not a layer tar")
        try:
            size = int(size[:11], 8)  # fast path: zero-padded octal, as Go's archive/tar and Python write it
        except ValueError:
            size = _num(size, "size", off)
        if pax is not None or gpax:
            p = {**gpax, **(pax or {})}
            if "size" in p:
                try:
                    size = int(p["size"])
                except (ValueError, OverflowError):
                    raise TarError(f"corrupt pax size at offset {off}") from None
        if size < 0 or size > MAX_MEMBER:
            raise TarError(f"absurd member size {size} at offset {off}", hint="hostile or corrupt archive")
        data_off = off + 512
        nxt = data_off + ((size + 511) & ~511)
        if typ in _META_TYPES:  # (not `in b"xgLKS"`: bytes.__contains__ raises and catches per call)
            if typ == b"S":
                raise TarError(f"sparse tar member at offset {off} is not supported in image layers")
            if size > MAX_META:
                raise TarError(f"oversized tar meta header ({size} bytes) at offset {off}")
            payload = src.data(data_off, size)
            if len(payload) < size:
                raise TarError(f"truncated tar: meta header at offset {off} is cut short")
            if typ == b"x":
                pax = _pax(payload, off)
                if any(k.startswith("GNU.sparse") for k in pax):
                    raise TarError(f"sparse tar member (pax GNU.sparse) at offset {off} is not supported")
            elif typ == b"g":
                gpax.update(_pax(payload, off))
            elif typ == b"L":
                longname = payload.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")
            else:
                longlink = payload.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")
            prev, off = off, nxt
            continue
        if longname is not None:
            nm = longname
            longname = None
        else:
            i = name.find(0)
            if i >= 0:
                name = name[:i]
            if prefix[0] and magic == b"ustar\x00":
                name = prefix.split(b"\x00", 1)[0] + b"/" + name
            nm = name.decode("utf-8", "surrogateescape")
        if longlink is not None:
            ln = longlink
            longlink = None
        elif link[0]:
            ln = link.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")
        else:
            ln = ""
        m = octal.get(mode)
        if m is None:
            m = _octal(octal, mode, "mode", off)
        u = octal.get(uid)
        if u is None:
            u = _octal(octal, uid, "uid", off)
        g = octal.get(gid)
        if g is None:
            g = _octal(octal, gid, "gid", off)
        mt = 0  # not needed by any analysis; pax mtime below still parsed for completeness
        if pax is not None or gpax:
            p = {**gpax, **(pax or {})}
            pax = None
            nm = p.get("path", nm)
            ln = p.get("linkpath", ln)
            try:
                if "uid" in p:
                    u = int(p["uid"])
                if "gid" in p:
                    g = int(p["gid"])
                if "mtime" in p:
                    mt = int(float(p["mtime"]))
            except (ValueError, OverflowError):  # "inf", "nan", 5,000 digits
                raise TarError(f"corrupt pax record at offset {off}") from None
        yield (nm, typ, size, m, u, g, mt, ln, data_off)
        prev, off = off, nxt


_OCTAL_CACHE = 4096  # distinct raw mode/uid/gid fields remembered per walk (a hostile tar cannot grow it)


def _octal(cache: dict[bytes, int], field: bytes, what: str, off: int) -> int:
    try:
        v = int(field[:7], 8)
    except ValueError:
        v = _num(field, what, off)
    if len(cache) < _OCTAL_CACHE:
        cache[field] = v
    return v


class FileSlice:
    """A seekable region ``[base, base+length)`` of an open file descriptor."""

    WINDOW = 16384  # read ahead when headers are close together (small files)

    def __init__(self, fd: int, base: int, length: int):
        self.fd = fd
        self.base = base
        self.length = length
        self.buf = b""
        self.bstart = 0
        self.last = 0

    def block(self, off: int) -> bytes:
        buf, s = self.window(off)
        return buf[s : s + 512]

    def window(self, off: int, prev: int = -1) -> tuple[bytes, int]:
        """(buffer, start) with the 512-byte block at ``off`` at ``buffer[start:start+512]`` (a
        shorter buffer at the end of the region). ``prev``: the previous header's offset."""
        s = off - self.bstart
        buf = self.buf
        gap = off - (self.last if prev < 0 else prev)
        self.last = off
        if 0 <= s and s + 512 <= len(buf):
            return buf, s
        if off >= self.length:
            if off > self.length:
                raise TarError(f"truncated tar: data runs past the end of the blob (offset {off} > {self.length})",
                               hint="the blob is truncated (interrupted download or save?)")
            return b"", 0
        # after a big member the next one is probably big too: read just the header
        n = min(self.WINDOW if gap <= 4096 else 1024, self.length - off)
        self.buf = buf = os.pread(self.fd, n, self.base + off)
        self.bstart = off
        return buf, 0

    def data(self, off: int, n: int) -> bytes:
        n = max(0, min(n, self.length - off))
        s = off - self.bstart
        if 0 <= s and s + n <= len(self.buf):
            return self.buf[s : s + n]
        return pread_all(self.fd, n, self.base + off)

    def peek(self, off: int, n: int) -> bytes:
        return self.data(off, n)


def pread_all(fd: int, n: int, off: int) -> bytes:
    out = os.pread(fd, n, off)
    if len(out) == n or not out:
        return out
    parts = [out]
    got = len(out)
    while got < n:
        chunk = os.pread(fd, n - got, off + got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


class Stream:
    """A forward-only tar byte stream over ``read(n) -> bytes`` (``b""`` at the end)."""

    CHUNK = 1 << 20

    def __init__(self, read: Callable[[int], bytes]):
        self._read = read
        self.buf = b""
        self.bstart = 0
        self.eof = False

    def _more(self, keep_from: int) -> bool:
        """Append the next chunk, keeping the buffer from offset ``keep_from`` on."""
        if self.eof:
            return False
        chunk = self._read(self.CHUNK)
        if not chunk:
            self.eof = True
            return False
        s = keep_from - self.bstart
        buf = self.buf
        if s >= len(buf):  # skipping: the kept part is empty; account for the gap
            self.bstart += len(buf)
            self.buf = chunk
        else:
            self.bstart = keep_from
            self.buf = buf[s:] + chunk if s < len(buf) else chunk
        return True

    def _skip_to(self, off: int) -> None:
        while off > self.bstart + len(self.buf):
            if not self._more(self.bstart + len(self.buf)):
                return

    def block(self, off: int) -> bytes:
        buf, s = self.window(off)
        return buf[s : s + 512]

    def window(self, off: int, prev: int = -1) -> tuple[bytes, int]:
        """(buffer, start) with the 512 bytes at ``off`` at ``buffer[start:start+512]`` (fewer at the end)."""
        s = off - self.bstart
        buf = self.buf
        if 0 <= s and s + 512 <= len(buf):
            return buf, s
        if s < 0:
            raise TarError("internal error: tar stream cannot go backwards")
        self._skip_to(off)
        while off + 512 > self.bstart + len(self.buf):
            if not self._more(off):
                break
        s = off - self.bstart
        if s > len(self.buf):
            raise TarError(f"truncated tar: stream ends inside a member (before offset {off})",
                           hint="the blob is truncated (interrupted download or save?)")
        return self.buf, s

    def data(self, off: int, n: int) -> bytes:
        s = off - self.bstart
        if 0 <= s and s + n <= len(self.buf):
            return self.buf[s : s + n]
        if s < 0:
            raise TarError("internal error: tar stream cannot go backwards")
        self._skip_to(off)
        s = off - self.bstart
        parts = [self.buf[s:]] if 0 <= s < len(self.buf) else []
        got = len(parts[0]) if parts else 0
        end_abs = self.bstart + len(self.buf)
        while got < n and not self.eof:
            chunk = self._read(self.CHUNK)
            if not chunk:
                self.eof = True
                break
            parts.append(chunk)
            got += len(chunk)
            end_abs += len(chunk)
        whole = b"".join(parts)
        # keep whatever follows the requested range as the new buffer
        self.bstart = off + min(n, len(whole))
        self.buf = whole[n:]
        return whole[:n]

    def peek(self, off: int, n: int) -> bytes:
        """Up to ``n`` bytes at ``off`` without consuming beyond the buffer (for magic sniffing)."""
        s = off - self.bstart
        if 0 <= s and s + n <= len(self.buf):
            return self.buf[s : s + n]
        if s < 0:
            return b""
        self._skip_to(off)
        while off + n > self.bstart + len(self.buf):
            if not self._more(off):
                break
        s = off - self.bstart
        return self.buf[s : s + n] if 0 <= s else b""

    def reader(self, off: int, size: int) -> Callable[[int], bytes]:
        """A ``read(n)`` over the member data ``[off, off+size)`` consuming this stream (nested tars)."""
        pos = [off]
        end = off + size

        def read(n: int) -> bytes:
            p = pos[0]
            if p >= end:
                return b""
            want = min(n, end - p)
            s = p - self.bstart
            if 0 <= s < len(self.buf):
                out = self.buf[s : s + want]
            else:
                self._skip_to(p)
                if not self._more(p) and not (0 <= p - self.bstart < len(self.buf)):
                    return b""
                s = p - self.bstart
                out = self.buf[s : s + want]
            pos[0] = p + len(out)
            return out

        return read

    def drain(self) -> None:
        """Consume the rest of the stream (so a digest over all of it is complete)."""
        while not self.eof:
            chunk = self._read(self.CHUNK)
            if not chunk:
                self.eof = True
                break
            self.bstart += len(self.buf)
            self.buf = chunk


# ---- byte sources: hashing, decompression, bounds ---------------------------------------------

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def sniff(head: bytes) -> str:
    """'gzip' | 'zstd' | 'tar' | 'unknown' from the first bytes of a blob."""
    if head[:2] == GZIP_MAGIC:
        return "gzip"
    if head[:4] == ZSTD_MAGIC:
        return "zstd"
    if len(head) >= 263 and head[257:262] == b"ustar":
        return "tar"
    if len(head) >= 512 and (head[:512] == _ZERO or _checksum_ok(head[:512])):
        return "tar"
    if not head:
        return "tar"  # an empty blob is an empty layer
    return "unknown"


class Hashing:
    """Wrap ``read(n)``: feed a sha256 with every byte that passes."""

    def __init__(self, read: Callable[[int], bytes]):
        import hashlib

        self._read = read
        self.h = hashlib.sha256()
        self.count = 0

    def read(self, n: int) -> bytes:
        b = self._read(n)
        if b:
            self.h.update(b)
            self.count += len(b)
        return b

    def hexdigest(self) -> str:
        return self.h.hexdigest()


def decompressing(kind: str, read: Callable[[int], bytes], what: str,
                  compressed_size: int | None = None) -> Callable[[int], bytes]:
    """``read(n)`` of the decompressed bytes of a gzip / zstd / plain stream, bounded. Errors do
    not name the blob: the caller that knows which layer it is adds that, once."""
    if kind == "tar":
        return read
    limit = MAX_LAYER_BYTES
    if compressed_size:
        limit = min(limit, max(1 << 30, compressed_size * MAX_RATIO))
    total = [0]

    def bound(b: bytes) -> bytes:
        total[0] += len(b)
        if total[0] > limit:
            raise TarError(f"decompresses to more than {limit} bytes (decompression bomb?)",
                           hint="refusing to read further; the layer is hostile or corrupt")
        return b

    if kind == "gzip":
        import zlib

        state = {"d": zlib.decompressobj(31), "tail": b"", "done": False}

        def gread(n: int) -> bytes:
            d = state["d"]
            while True:
                if state["tail"]:
                    data = state["tail"]
                    state["tail"] = b""
                else:
                    if state["done"]:
                        return b""
                    data = read(1 << 20)
                    if not data:
                        state["done"] = True
                        if not d.eof and total[0] == 0 and not d.unconsumed_tail:
                            return b""
                        if not d.eof:
                            raise TarError("truncated gzip stream: the blob ends inside compressed data",
                                           hint="the blob is truncated (interrupted download or save?)")
                        return b""
                try:
                    out = d.decompress(data, max(n, 1 << 16))
                except zlib.error as exc:
                    raise TarError(f"corrupt gzip data ({exc})") from None
                state["tail"] = d.unconsumed_tail
                if d.eof:
                    rest = d.unused_data
                    if rest:  # concatenated gzip members (pigz and friends)
                        state["d"] = d = zlib.decompressobj(31)
                        state["tail"] = rest + state["tail"]
                if out:
                    return bound(out)

        return gread

    if kind == "zstd":
        try:
            import zstandard
        except ImportError:  # pragma: no cover - a declared dependency
            raise InputError(f"{what} is zstd-compressed and the 'zstandard' package is missing") from None

        class _R:
            def __init__(self) -> None:
                self.pos = 0

            def read(self, n: int = -1) -> bytes:
                return read(n if n and n > 0 else 1 << 20)

        reader = zstandard.ZstdDecompressor(max_window_size=MAX_ZSTD_WINDOW).stream_reader(
            _R(), read_across_frames=True)

        def zread(n: int) -> bytes:
            try:
                out = reader.read(max(n, 1 << 16))
            except zstandard.ZstdError as exc:
                raise TarError(f"corrupt zstd data ({exc})") from None
            return bound(out) if out else b""

        return zread
    raise InputError(f"{what}: unknown layer format (neither tar, gzip nor zstd)")


def zstd_complete(fd: int, base: int, size: int) -> bool:
    """Whether the zstd blob ``[base, base+size)`` of ``fd`` ends exactly after a complete frame.

    Walks frame and block headers only (RFC 8878: frame header, 3-byte block headers with a
    last-block bit, optional 4-byte checksum; skippable frames): it tells "the blob was cut"
    apart from "the tar inside was cut", which the decompressor's silent end cannot."""
    pos = 0

    def get(n: int) -> bytes:
        return os.pread(fd, n, base + pos) if pos + n <= size else b""

    while pos < size:
        magic = get(4)
        if len(magic) < 4:
            return False
        m = int.from_bytes(magic, "little")
        if 0x184D2A50 <= m <= 0x184D2A5F:  # skippable frame
            n = get(8)[4:]
            if len(n) < 4:
                return False
            pos += 8 + int.from_bytes(n, "little")
            continue
        if magic != ZSTD_MAGIC:
            return True  # not a frame: the decoder reports that itself
        fhd = get(5)[4:]
        if not fhd:
            return False
        d = fhd[0]
        single = (d >> 5) & 1
        fcs = (0, 2, 4, 8)[d >> 6] if (d >> 6) or not single else 1
        pos += 5 + (0 if single else 1) + (0, 1, 2, 4)[d & 3] + fcs
        while True:
            bh = get(3)
            if len(bh) < 3:
                return False
            v = int.from_bytes(bh, "little")
            pos += 3 + (1 if (v >> 1) & 3 == 1 else v >> 3)
            if v & 1:
                break
        if (d >> 2) & 1:
            pos += 4
    return pos == size
