"""A read-only reader of bbolt (BoltDB) files, enough for containerd's ``meta.db``.

bbolt is a copy-on-write B+tree in one file: two meta pages (0 and 1; the valid one with the
higher transaction id is current), branch and leaf pages, buckets as nested trees (a small
bucket is stored *inline* in its parent's leaf value). Integers are little-endian (the byte
order of the machines golayer runs on). Nothing is locked or written: the file is read with
``pread`` while its owner may keep running; a page that changes under us fails a sanity check
and becomes a clear error rather than a wrong answer.
"""

from __future__ import annotations

import os
import struct

from golayer.errors import InputError

MAGIC = 0xED0CDAED
BRANCH, LEAF, META = 0x01, 0x02, 0x04
BUCKET_LEAF = 0x01
MAX_DEPTH = 64


def _fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


class Bolt:
    def __init__(self, path: str):
        self.path = path
        try:
            self.fd = os.open(path, os.O_RDONLY)
        except OSError as exc:
            raise InputError(f"cannot open {path}: {exc.strerror}") from None
        self.size = os.fstat(self.fd).st_size
        head = os.pread(self.fd, 4096, 0)
        metas = []
        m0 = self._meta(head, 16)
        if m0:
            metas.append(m0)
            m1 = self._meta(os.pread(self.fd, 4096, m0["page_size"]), 16)
            if m1:
                metas.append(m1)
        if not metas:
            os.close(self.fd)
            raise InputError(f"{path} is not a bbolt database (no valid meta page)")
        meta = max(metas, key=lambda m: m["txid"])
        self.page_size = meta["page_size"]
        self.root = meta["root"]

    def close(self) -> None:
        os.close(self.fd)

    @staticmethod
    def _meta(buf: bytes, off: int) -> dict | None:
        if len(buf) < off + 64:
            return None
        flags = struct.unpack_from("<H", buf, 8)[0]
        magic, version, page_size, _f, root, _seq, _free, _pgid, txid, checksum = struct.unpack_from(
            "<IIII QQ QQQ Q".replace(" ", ""), buf, off)
        if not flags & META or magic != MAGIC or version != 2 or not (512 <= page_size <= 1 << 20):
            return None
        if _fnv1a64(buf[off : off + 56]) != checksum:
            return None
        return {"page_size": page_size, "root": root, "txid": txid}

    def _page(self, pgid: int) -> bytes:
        off = pgid * self.page_size
        if pgid < 2 or off + 16 > self.size:
            raise InputError(f"{self.path}: page {pgid} is outside the file (changed while reading?)")
        head = os.pread(self.fd, 16, off)
        overflow = struct.unpack_from("<I", head, 12)[0]
        n = (overflow + 1) * self.page_size
        if off + n > self.size or overflow > 1 << 16:
            raise InputError(f"{self.path}: page {pgid} overruns the file (changed while reading?)")
        return os.pread(self.fd, n, off)

    def _items(self, page: bytes, depth: int, out: dict[bytes, tuple[bytes, bool]]) -> None:
        if depth > MAX_DEPTH:
            raise InputError(f"{self.path}: B+tree deeper than {MAX_DEPTH} levels (corrupt?)")
        flags, count = struct.unpack_from("<HH", page, 8)
        if flags & LEAF:
            for i in range(count):
                e = 16 + i * 16
                eflags, pos, ksize, vsize = struct.unpack_from("<IIII", page, e)
                k0 = e + pos
                if k0 + ksize + vsize > len(page):
                    raise InputError(f"{self.path}: leaf element outside its page (corrupt?)")
                out[page[k0 : k0 + ksize]] = (page[k0 + ksize : k0 + ksize + vsize], bool(eflags & BUCKET_LEAF))
        elif flags & BRANCH:
            for i in range(count):
                e = 16 + i * 16
                _pos, _ksize, child = struct.unpack_from("<IIQ", page, e)
                self._items(self._page(child), depth + 1, out)
        else:
            raise InputError(f"{self.path}: unexpected page type {flags:#x} (changed while reading?)")

    def bucket(self, value: bytes | None = None) -> dict[bytes, tuple[bytes, bool]]:
        """The items of a bucket (its 16-byte header value), or of the root bucket."""
        out: dict[bytes, tuple[bytes, bool]] = {}
        if value is None:
            self._items(self._page(self.root), 0, out)
            return out
        root = struct.unpack_from("<Q", value, 0)[0]
        if root == 0:  # inline bucket: a page follows the header
            self._items(value[16:], 0, out)
        else:
            self._items(self._page(root), 0, out)
        return out

    def path_get(self, *names: bytes) -> dict[bytes, tuple[bytes, bool]] | None:
        """Nested bucket by names (None when any is missing)."""
        cur = self.bucket()
        for n in names:
            hit = cur.get(n)
            if hit is None or not hit[1]:
                return None
            cur = self.bucket(hit[0])
        return cur
