"""One layer tar -> a :class:`LayerRecord`: normalised entries, whiteouts, where each file's bytes are.

Parsing a layer never looks at other layers (layers of a streamed ``docker save`` arrive in
archive order, not stack order); :mod:`golayer.image.tree` stacks the records afterwards.

Member paths are normalised to absolute paths (``./usr/bin/x`` and ``/usr/bin/x`` are both
``/usr/bin/x``); a member whose path climbs above the root with ``..`` is *rejected* (skipped
and reported in :attr:`LayerRecord.problems`), never clamped, so a hostile layer cannot write
outside the tree or shadow another path. The same holds for hardlink targets.

How file content is read later (``FileTree.read``) depends on the source:

* a layer stored *uncompressed* in a local file (``docker save`` archives, OCI layouts with
  plain tar layers): each entry remembers the absolute offset of its data and is read with one
  ``pread``. Nothing is buffered, whatever the image size.
* a *compressed* (gzip/zstd) blob or a *streamed* layer (the daemon): while the single pass runs,
  the content of candidate files is captured in memory -- ELF files with an exec bit (the Go
  binaries that ``binaries.find_binaries`` inspects) and small well-known files (passwd, group,
  os-release, ld.so.conf and ld.so.conf.d/*, .netrc, .git-credentials, .gitconfig, .git/config,
  .docker/config.json, ~/.ssh/*) -- up to a budget of :data:`CAPTURE_BUDGET` bytes
  (``GOLAYER_CAPTURE_BYTES``); of shared libraries (``*.so*``) the first 64 bytes, which the
  loader-style check of DT_NEEDED resolution reads. Anything else (or beyond
  the budget) is read by decompressing that layer's blob once more up to the file; for the
  daemon, by exporting the image once more and stopping at that layer (slow, but rare).
  Seek-free re-reads are deliberately traded for a bounded memory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

from golayer.errors import InputError
from golayer.image.model import Entry
from golayer.image.tarstream import FileSlice, Stream, TarError, pread_all, walk

MAX_PATH = 4096  # Linux PATH_MAX: a longer member name cannot be extracted by any runtime
CAPTURE_BUDGET = int(os.environ.get("GOLAYER_CAPTURE_BYTES", str(512 << 20)))
SMALL_MAX = 1 << 20
HEAD_BYTES = 16384
SMALL_NAMES = frozenset({
    "passwd", "group", "os-release", "VERSION", ".netrc", ".git-credentials", ".gitconfig", "config.json",
    "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk", "ld.so.conf", "env",
    "ld.so.cache", "nsswitch.conf", "_netrc", "gitconfig",
})
LIB_HEAD = 64  # ELF ident + e_machine: what the loader-style check on a library reads


def _small_wanted(p: str, base: str) -> bool:
    """Small files the image checks read besides SMALL_NAMES: the loader's search configuration
    (``/etc/ld.so.conf.d/*``, ``/etc/ld-musl-ARCH.path``) and git/docker/ssh credential files."""
    return (base in SMALL_NAMES or "/.ssh/" in p or "/.docker/" in p or p.startswith("/etc/ld.so.conf.d/")
            or (p.startswith("/etc/ld-musl-") and p.endswith(".path")) or p.endswith("/.git/config")
            or p.endswith("/.config/git/config"))

_TYPES = {b"0": "file", b"\x00": "file", b"7": "file", b"1": "hardlink", b"2": "symlink", b"3": "char",
          b"4": "block", b"5": "dir", b"6": "fifo"}


@dataclass(eq=False, slots=True)
class TEntry(Entry):
    """An :class:`Entry` that knows where its bytes are (slotted: an image holds 10^5 of them)."""

    mtime: int = 0
    off: int = -1  # data offset inside the layer tar stream
    rec: Any = None  # the LayerRecord holding the data
    target: Any = None  # hardlinks: the TEntry whose bytes they share (None: dangling)

    __hash__ = object.__hash__
    __eq__ = object.__eq__

    def copy(self) -> "TEntry":
        return TEntry(self.path, self.type, self.size, self.mode, self.uid, self.gid, self.layer, self.linkname,
                      self.category, self.mtime, self.off, self.rec, self.target)


@dataclass(eq=False)
class LayerRecord:
    name: str  # where the blob came from (for messages)
    members: list[TEntry] = field(default_factory=list)
    whiteouts: list[str] = field(default_factory=list)  # paths deleted from lower layers
    opaques: list[str] = field(default_factory=list)  # dirs whose lower children are hidden
    entries: int = 0  # tar entries (members, whiteouts and opaque markers; meta headers excluded)
    problems: list[str] = field(default_factory=list)  # hostile / odd members, reported to the user
    digest: str | None = None  # sha256 of the uncompressed tar, when computed
    compression: str = "tar"
    # content access
    fd: int | None = None  # uncompressed tar in a file: data at base + off
    base: int = 0
    path: str | None = None  # ...or in a blob file of a directory, opened per read (no fd kept per layer)
    captured: dict[int, bytes] = field(default_factory=dict)  # off -> bytes (streamed layers)
    heads: dict[int, bytes] = field(default_factory=dict)  # off -> first bytes of other executables
    reopen: Callable[[], Stream] | None = None  # a fresh stream of this layer's tar, from byte 0
    dive_leaves: tuple[bytes, bytes] | None = None  # tree.DiveScore.leaves(), when a worker worked it out

    @property
    def seekable(self) -> bool:
        """File contents are read in place (an uncompressed tar in a local file)."""
        return self.fd is not None or (self.path is not None and self.compression == "tar")

    def read(self, e: TEntry, n: int) -> bytes:
        if n <= 0:
            return b""
        if self.fd is not None:
            return pread_all(self.fd, n, self.base + e.off)
        if self.path is not None and self.compression == "tar":
            try:
                fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            except OSError as exc:
                raise InputError(f"cannot re-open {self.path}: {exc.strerror}") from None
            try:
                return pread_all(fd, n, self.base + e.off)
            finally:
                os.close(fd)
        data = self.captured.get(e.off)
        if data is not None and (len(data) >= n or len(data) == e.size):
            return data[:n]
        head = self.heads.get(e.off)
        if head is not None and (len(head) >= n or len(head) == e.size):
            return head[:n]
        if self.reopen is None:
            raise InputError(
                f"cannot read {e.path} from {self.name}: the layer was streamed and the file was not kept"
                " (not an ELF or well-known small file, or over the capture budget)",
                hint="save the image with `docker save NAME -o image.tar` and analyse docker-archive:image.tar")
        s = self.reopen()
        s.block(0)
        out = s.data(e.off, n)
        if len(out) < n:
            raise TarError(f"{self.name}: truncated while re-reading {e.path}")
        return out


def norm(name: str) -> str | None:
    """Absolute normalised path of a tar member name; '' for the root; None when it escapes."""
    if name and name[0] not in "./" and name[-1] != "/" and "/." not in name and "//" not in name:
        return "/" + name
    if name.startswith("./"):
        name = name[2:]
    name = name.strip("/")
    if not name or name == ".":
        return ""
    if "//" not in name and "/." not in name and not name.startswith("."):
        return "/" + name
    out: list[str] = []
    for c in name.split("/"):
        if c in ("", "."):
            continue
        if c == "..":
            if not out:
                return None
            out.pop()
            continue
        out.append(c)
    return "/" + "/".join(out) if out else ""


def parse_hashed(read: Callable[[int], bytes], rec: LayerRecord, capture: bool = False,
                 budget: list[int] | None = None) -> LayerRecord:
    """:func:`parse_layer` over the tar bytes ``read(n)`` gives, read to their end, and ``rec.digest``
    the sha256 of all of them (what a diff_id names)."""
    from golayer.image.tarstream import Hashing

    h = Hashing(read)
    s = Stream(h.read)
    parse_layer(s, rec, capture, budget)
    s.drain()
    rec.digest = "sha256:" + h.hexdigest()
    return rec


def parse_layer(src: FileSlice | Stream, rec: LayerRecord, capture: bool = False,
                budget: list[int] | None = None) -> LayerRecord:
    """Walk one layer tar into ``rec``. With ``capture``, keep candidate file contents (see module doc)."""
    members = rec.members
    append = members.append
    types = _TYPES
    n = 0
    budget = budget if budget is not None else [CAPTURE_BUDGET]
    new = TEntry
    perms: dict[int, int] = {}  # mode -> mode & 0o7777: one int object per distinct mode, not per entry
    for name, typ, size, mode, uid, gid, mtime, link, off in walk(src):
        n += 1
        # norm()'s common cases inline: a relative name with nothing to normalise but a directory's
        # single trailing slash
        if name and name[0] not in "./" and "/." not in name and "//" not in name:
            p = "/" + name if name[-1] != "/" else "/" + name[:-1]
        elif name[:2] == "./" and len(name) > 2 and name[2] not in "./" and "/." not in name[1:] and \
                "//" not in name:  # the same below a leading ./ (tars made with `tar -C dir .`)
            p = name[1:] if name[-1] != "/" else name[1:-1]
        else:
            p = norm(name)
            if p is None:
                rec.problems.append(f"{rec.name}: member {name!r} escapes the image root (rejected)")
                continue
            if not p:
                continue  # the root directory itself
        if len(p) > MAX_PATH // 4 and len(p.encode("utf-8", "surrogateescape")) > MAX_PATH:
            raise TarError(f"member path {p[:60]!r}... is {len(p.encode('utf-8', 'surrogateescape')):,} bytes"
                           f" long, over Linux's {MAX_PATH}-byte PATH_MAX: no container runtime could"
                           " extract it", hint="the layer is hostile or corrupt")
        if link and len(link) > MAX_PATH and len(link.encode("utf-8", "surrogateescape")) > MAX_PATH:
            raise TarError(f"member {p[:60]!r} links to a {len(link):,}-character target, over Linux's"
                           f" {MAX_PATH}-byte PATH_MAX", hint="the layer is hostile or corrupt")
        if ".wh." in p:
            slash = p.rfind("/")
            base = p[slash + 1 :]
            if base.startswith(".wh."):
                parent = p[:slash] or "/"
                if base == ".wh..wh..opq":
                    rec.opaques.append(parent)
                elif base.startswith(".wh..wh."):
                    pass  # other AUFS meta files (.wh..wh.plnk, .wh..wh.aufs): not content
                else:
                    rec.whiteouts.append((p[:slash] + "/" + base[4:]))
                continue
        t = types.get(typ)
        if t is None:
            if name.endswith("/") and typ in (b"0", b"\x00"):
                t = "dir"
            else:
                rec.problems.append(f"{rec.name}: member {p} has unsupported type {typ!r} (ignored)")
                continue
        elif t == "file":
            if name[-1] == "/":
                t = "dir"
                size = 0
        elif t == "dir":
            size = 0
        perm = perms.get(mode)
        if perm is None:
            perm = perms[mode] = mode & 0o7777
        if t == "file":
            e = new(p, t, size, perm, uid, gid, -1, None, None, mtime, off, rec)
            append(e)
            if capture and size:
                _capture(src, rec, e, p, size, mode, budget)
            continue
        ln = None
        if t == "hardlink":
            ln = norm(link)
            if not ln:
                rec.problems.append(f"{rec.name}: hardlink {p} -> {link!r} escapes the image root (rejected)")
                continue
        elif t == "symlink":
            ln = link
        append(new(p, t, 0, perm, uid, gid, -1, ln, None, mtime, off, rec))
    rec.entries = n
    return rec


def _capture(src: FileSlice | Stream, rec: LayerRecord, e: TEntry, p: str, size: int, mode: int,
             budget: list[int]) -> None:
    """Keep what the checks may read later of a streamed file (see the module doc)."""
    off = e.off
    base = p[p.rfind("/") + 1 :]
    want = False
    if size <= SMALL_MAX and _small_wanted(p, base):
        want = True
    elif mode & 0o111:
        head = src.peek(off, min(size, HEAD_BYTES))
        if head[:4] == b"\x7fELF" and budget[0] >= size:
            want = True
        else:  # enough to say "not ELF", or an ELF's headers when it does not fit the budget
            rec.heads[off] = head if head[:4] == b"\x7fELF" else head[:256]
    elif ".so" in base:  # a library without the exec bit: its ELF class and machine
        rec.heads[off] = src.peek(off, min(size, LIB_HEAD))
    if want and budget[0] >= size:
        data = src.data(off, size)
        if len(data) < size:
            raise TarError(f"truncated tar: the blob ends inside {p}",
                           hint="the blob is truncated (interrupted download or save?)")
        budget[0] -= size
        rec.captured[off] = data


def file_reader(fd: int, base: int, size: int, keep: Any = None) -> Callable[[int], bytes]:
    """Sequential ``read(n)`` over a file region (for hashing / decompressing a blob). ``keep``: an
    object (the open file owning ``fd``) that lives exactly as long as the reader."""
    pos = [0]

    def read(k: int) -> bytes:
        p = pos[0]
        if p >= size:
            return b""
        b = os.pread(fd, min(k, size - p), base + p)
        pos[0] = p + len(b)
        return b

    read.keep = keep  # type: ignore[attr-defined]

    return read

