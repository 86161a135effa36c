"""``docker:NAME`` read from the local daemon's own image store (overlay2), read-only.

Docker 20.10 stages a whole image export in a temporary directory before ``GET /images/NAME/get``
sends its first byte (8.5-11.5 s of a 452 MB image here), so a reader of the export can never beat
``docker save``. The daemon's store already holds everything the export is made of, and ``docker
save`` itself re-assembles each layer tar from it:

* ``<root>/image/overlay2/imagedb/content/sha256/<id>`` -- the image config; its sha256 is the
  image ID (checked).
* ``<root>/image/overlay2/layerdb/sha256/<chain id>/`` per layer, chain IDs from the config's
  ``rootfs.diff_ids`` (``chain(n) = sha256(chain(n-1) + " " + diff_id(n))``): ``diff`` (must equal
  the diff_id), ``cache-id`` (the overlay2 directory) and ``tar-split.json.gz``: JSON lines, type 2
  the layer tar's raw bytes between file contents (headers, padding, end-of-archive; base64), type 1
  one per member (name, size, crc64 of the content).
* ``<root>/overlay2/<cache-id>/diff/`` -- the member contents.

The layer's tar headers are taken from tar-split alone, byte for byte those of the export, so the
offsets, entries and every number of the analysis are those of the export; file data is never
touched while parsing. The few files the checks read (ELF executables, small configuration
files) are read lazily from the ``diff`` directory: every path component opened relative to its
directory with ``O_NOFOLLOW`` (a symlink inside the layer is resolved as the extraction into that
directory resolved it, never outside it), the file must be regular and as big as its header says.

Used only when all of this holds, else the caller reads the export stream as before and says why
in the report's source note: the daemon is reached on a unix socket, reports the ``overlay2``
driver (Docker >= 24's containerd image store reports another), is not rootless, its root dir
exists here, golayer runs as root, and every file above is present and consistent (config
digest, ``diff`` files, tar-split in step with its headers, no path listed twice in a layer).
``GOLAYER_DOCKER_STORAGE=0`` forces the export.

Digests: without ``--verify`` nothing is hashed (the daemon's export would hash what golayer
hashes here: the same files); the source note says the layers were read from the store.
``--verify`` re-assembles each layer tar from tar-split and the ``diff`` files, as ``docker save``
does, and checks its sha256 against the diff_id.

Bounds: tar-split is decompressed as a stream in chunks, a line is at most 8 MiB, a layer's
re-assembled bytes at most :data:`tarstream.MAX_LAYER_BYTES`; nothing is written, nothing executed.
"""

from __future__ import annotations

import binascii
import errno
import hashlib
import json
import os
import re
import stat
import zlib
from itertools import chain
from typing import Any, Callable, Iterator
from urllib.parse import quote

from golayer.errors import InputError
from golayer.image.layers import LayerRecord, TEntry, parse_layer
from golayer.image.tarstream import MAX_LAYER_BYTES, TarError, pread_all

ENV = "GOLAYER_DOCKER_STORAGE"
MAX_LINE = 8 << 20
MAX_API = 64 << 20  # one answer of the daemon's API
CHUNK = 1 << 20  # bytes read from a diff file at a time (--verify)
SPLIT_CHUNK = 64 << 10  # compressed tar-split bytes read at a time
SPLIT_OUT = 1 << 20  # at most this much JSON decompressed at a time
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CACHE_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,127}")


class Unusable(Exception):
    """The store cannot be read or does not check out: read the export instead (the message says why)."""


# ---- the daemon's answers --------------------------------------------------------------------

def socket_path() -> str | None:
    """The local daemon's unix socket (``DOCKER_HOST`` or the default); None when there is none."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://") or not os.path.exists(host[7:]):
        return None
    return host[7:]


def get_json(sock_path: str, path: str, timeout: float = 30) -> tuple[int, Any]:
    """``GET path`` on the daemon's socket as HTTP/1.0 (the daemon answers unchunked and closes): the status
    and the parsed JSON body (None unless 200). A few lines instead of http.client, whose import alone
    costs more than the whole exchange."""
    import socket

    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock_path)
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: docker\r\n\r\n".encode())
        parts = []
        got = 0
        while True:
            b = s.recv(1 << 16)
            if not b:
                break
            parts.append(b)
            got += len(b)
            if got > MAX_API:
                raise Unusable(f"the daemon's answer to {path} is over {MAX_API} bytes")
    finally:
        s.close()
    raw = b"".join(parts)
    head, sep, body = raw.partition(b"\r\n\r\n")
    first = head.split(b"\r\n", 1)[0].split()
    if not sep or len(first) < 2 or not first[0].startswith(b"HTTP/") or not first[1].isdigit():
        raise Unusable(f"the daemon's answer to {path} is not HTTP")
    status = int(first[1])
    if status != 200:
        return status, None
    if b"\r\ntransfer-encoding: chunked" in head.lower():
        out, pos = [], 0
        while True:
            eol = body.find(b"\r\n", pos)
            try:
                n = int(body[pos:eol].split(b";")[0], 16)
            except ValueError:
                raise Unusable(f"the daemon's answer to {path} is badly chunked") from None
            if n == 0:
                break
            out.append(body[eol + 2 : eol + 2 + n])
            pos = eol + 4 + n
        body = b"".join(out)
    try:
        return 200, json.loads(body)
    except ValueError:
        raise Unusable(f"the daemon's answer to {path} is not JSON") from None


def daemon_facts(name: str) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]] | None] | str:
    """(``GET /info``, ``GET /images/NAME/json``, the images of NAME's repository when NAME has no tag or
    digest) from the local daemon, or why they are not available."""
    sock = socket_path()
    if sock is None:
        return "no local Docker daemon socket"
    try:
        status, img = get_json(sock, f"/images/{quote(name, safe='/:@')}/json")
        if status != 200 or not isinstance(img, dict):
            return f"the daemon answered HTTP {status} for the image"
        status, info = get_json(sock, "/info")
        if status != 200 or not isinstance(info, dict):
            return f"the daemon answered HTTP {status} for /info"
        repo_images = None
        kind, repo, _tag = _ref_kind(name)
        if kind == "name":
            flt = quote(json.dumps({"reference": [repo]}))
            status, lst = get_json(sock, f"/images/json?filters={flt}&digests=1")
            if status != 200 or not isinstance(lst, list):
                return f"the daemon answered HTTP {status} for the image list"
            repo_images = lst
        return info, img, repo_images
    except (OSError, Unusable) as exc:
        return f"cannot ask the daemon: {exc}"


def _familiar(repo: str) -> str:
    """A repository name as Docker shows it (``docker.io/library/x`` -> ``x``)."""
    first, _, rest = repo.partition("/")
    if rest and first in ("docker.io", "index.docker.io"):
        repo = rest
        if repo.startswith("library/") and repo.count("/") == 1:
            repo = repo[8:]
    return repo


def _ref_kind(name: str) -> tuple[str, str, str | None]:
    """('id' | 'digest' | 'tagged' | 'name', familiar repository, tag) of a daemon reference, as the
    export (``GET /images/NAME/get``) tells them apart."""
    if _HEX64.fullmatch(name) or name.startswith("sha256:"):
        return "id", "", None
    if "@" in name:
        return "digest", "", None
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return "tagged", _familiar(name[:colon]), name[colon + 1 :]
    return "name", _familiar(name), None


def export_tags(name: str, image_id: str, repo_images: list[dict[str, Any]] | None) -> list[str] | None:
    """The ``RepoTags`` the export of ``name`` would list in its manifest.json (None: it would hold
    several images, or we cannot tell -- read the export)."""
    kind, repo, tag = _ref_kind(name)
    if kind in ("id", "digest"):
        return []
    if kind == "tagged":
        return [f"{repo}:{tag}"]
    ids: set[str] = set()
    tags: list[str] = []
    for im in repo_images or []:
        if not isinstance(im, dict):
            return None
        refs = [str(t) for t in (im.get("RepoTags") or []) if isinstance(t, str)]
        digs = [str(t) for t in (im.get("RepoDigests") or []) if isinstance(t, str)]
        mine = [t for t in refs if t.rpartition(":")[0] == repo]
        if mine or any(d.partition("@")[0] == repo for d in digs):
            ids.add(str(im.get("Id")))
            tags.extend(mine)
    if not ids:
        return []  # an image ID prefix, not a repository
    if ids != {image_id}:
        return None  # the export would hold every image of the repository
    return sorted(set(tags))


# ---- reading the store -----------------------------------------------------------------------

def _read_small(path: str, limit: int) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise Unusable(f"cannot open {path}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            raise Unusable(f"{path} is not a small regular file")
        return pread_all(fd, st.st_size, 0)
    finally:
        os.close(fd)


def chain_ids(diff_ids: list[str]) -> list[str]:
    out: list[str] = []
    for d in diff_ids:
        out.append(d if not out else "sha256:" + hashlib.sha256(f"{out[-1]} {d}".encode()).hexdigest())
    return out


def _pieces(path: str, names: bool = False) -> Iterator[tuple[bytes | None, int, bytes | None]]:
    """tar-split's entries in order: ``(raw bytes, 0, None)`` for a type 2 segment, ``(None, size,
    name)`` for a member (``name`` only with ``names``: the path of its content in ``diff``)."""
    return chain.from_iterable(_chunks(path, names))


def _chunks(path: str, names: bool) -> Iterator[list[tuple[bytes | None, int, bytes | None]]]:
    """The entries of :func:`_pieces`, a list per MiB (at most) of tar-split JSON (one JSON parse each)."""
    try:
        fh = open(path, "rb", buffering=0)  # noqa: SIM115 - closed below
    except OSError as exc:
        raise Unusable(f"cannot open {path}: {exc.strerror}") from None
    a2b = binascii.a2b_base64
    try:
        d = zlib.decompressobj(31)
        rest = b""
        total = 0
        eof = False
        while not eof:
            raw = d.unconsumed_tail or fh.read(SPLIT_CHUNK)
            if raw:
                try:
                    data = d.decompress(raw, SPLIT_OUT)  # bounded output, whatever the ratio
                except zlib.error as exc:
                    raise Unusable(f"{path}: corrupt gzip data ({exc})") from None
                if d.eof and d.unused_data:
                    raise Unusable(f"{path}: data after the gzip stream")
            elif not d.eof:  # input used up: output zlib still holds back, else the stream was cut
                data = d.decompress(b"", SPLIT_OUT)
                if not data:
                    raise Unusable(f"{path}: truncated gzip stream")
            else:
                data, eof = b"", True
            total += len(data)
            if total > MAX_LAYER_BYTES:
                raise Unusable(f"{path}: implausibly large")
            buf = rest + data
            cut = buf.rfind(b"\n") + 1 if not eof else len(buf)
            rest = buf[cut:]
            if len(rest) > MAX_LINE or (cut > MAX_LINE and max(map(len, buf[:cut].split(b"\n"))) > MAX_LINE):
                raise Unusable(f"{path}: a line longer than {MAX_LINE} bytes")
            lines = buf[:cut].strip()
            if not lines:
                continue
            try:  # one C call per chunk, not one per line
                docs = json.loads(b"[" + lines.replace(b"\n", b",") + b"]")
                out: list[tuple[bytes | None, int, bytes | None]] = []
                add = out.append
                for o in docs:
                    t = o["type"]
                    if t == 2:
                        add((a2b(o["payload"] or ""), 0, None))
                    elif t == 1:
                        size = o.get("size") or 0
                        if type(size) is not int or size < 0:
                            raise Unusable(f"{path}: bad member size")
                        nm = None
                        if names:
                            nm = a2b(o["name_raw"]) if o.get("name_raw") else os.fsencode(str(o.get("name") or ""))
                        add((None, size, nm))
                    else:
                        raise Unusable(f"{path}: unknown tar-split entry type {t!r}")
            except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
                raise Unusable(f"{path}: not tar-split JSON lines") from None
            yield out
    finally:
        fh.close()


class SplitTar:
    """A layer tar as tar-split describes it, for :func:`tarstream.walk`: the raw bytes of headers
    are there, file contents are virtual (their offsets are counted, their bytes never read). Forward
    only, holding just the bytes since the last member's content."""

    def __init__(self, pieces: Iterator[tuple[bytes | None, int, Any]],
                 on_file: Callable[[int, Any], None] | None = None):
        self.it = pieces
        self.buf = b""
        self.bstart = 0  # offset of buf[0]
        self.done = False
        self.members = 0  # type 1 entries consumed
        self.on_file = on_file

    def _fill(self, off: int, end: int) -> None:
        """Make ``buf`` hold ``[off, end)`` (or what there is of it before the end)."""
        if off < self.bstart:
            raise TarError(f"tar-split and its headers disagree at offset {off} (inside a member's content)")
        have = self.bstart + len(self.buf)
        if off <= have:  # walk never goes back: drop what lies before off
            self.buf = self.buf[off - self.bstart :]
            self.bstart = off
        it = self.it
        while self.bstart + len(self.buf) < end:
            piece = next(it, None)
            if piece is None:
                self.done = True
                break
            seg = piece[0]
            if seg is not None:
                self.buf += seg
            else:
                self._member(piece, off)
        s = off - self.bstart
        if s > 0:
            self.buf = self.buf[s:]
            self.bstart = off

    def _member(self, piece: tuple[bytes | None, int, Any], off: int) -> None:
        _seg, size, name = piece
        self.members += 1
        if self.on_file is not None:
            self.on_file(size, name)
        if size:
            pos = self.bstart + len(self.buf)
            if off < pos + size:  # the bytes asked for would be (or straddle) a member's content
                raise TarError(f"tar-split and its headers disagree at offset {off}")
            self.bstart = pos + size
            self.buf = b""

    def window(self, off: int, prev: int = -1) -> tuple[bytes, int]:
        """(buffer, start) with the header at ``off`` at ``buffer[start:start+512]``, as walk() reads it."""
        self._fill(off, off + 512)
        return self.buf, off - self.bstart

    def data(self, off: int, n: int) -> bytes:
        self._fill(off, off + n)
        s = off - self.bstart
        return self.buf[s : s + n]

    peek = data

    def drain(self) -> None:
        """Consume the rest of tar-split (its members' contents too, for a re-assembly hash)."""
        for seg, size, name in self.it:
            if seg is None:
                self.members += 1
                if self.on_file is not None:
                    self.on_file(size, name)


def open_beneath(root: str, rel: bytes | str) -> int:
    """An fd of ``root/rel`` with every component opened relative to its directory, never through a
    symlink that leaves ``root``: a symlink inside is resolved as if ``root`` were ``/`` (how the layer
    was extracted into it). The last component is never followed."""
    todo = [c for c in os.fsencode(rel).split(b"/") if c not in (b"", b".")]
    if not todo:
        raise OSError(errno.EISDIR, "is the layer root")
    rootfd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    stack = [rootfd]
    hops = 0
    try:
        todo.reverse()
        while todo:
            c = todo.pop()
            if c == b"..":
                if len(stack) > 1:
                    os.close(stack.pop())
                continue
            if not todo:  # the last component
                return os.open(c, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=stack[-1])
            try:
                fd = os.open(c, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=stack[-1])
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise
                try:
                    target = os.readlink(c, dir_fd=stack[-1])
                except OSError:
                    raise exc from None
                hops += 1
                if hops > 40:
                    raise OSError(errno.ELOOP, "too many symlinks") from None
                if target.startswith(b"/"):
                    while len(stack) > 1:
                        os.close(stack.pop())
                todo.extend(reversed([x for x in target.split(b"/") if x not in (b"", b".")]))
                continue
            stack.append(fd)
        raise OSError(errno.EISDIR, "is a directory")
    finally:
        for fd in stack:
            os.close(fd)


class StoreLayer(LayerRecord):
    """A layer whose headers came from tar-split and whose file contents are read from its overlay2
    ``diff`` directory."""

    diff: str = ""

    @property
    def seekable(self) -> bool:
        return True

    def read(self, e: TEntry, n: int) -> bytes:
        if n <= 0:
            return b""
        why = ""
        try:
            fd = open_beneath(self.diff, e.path.lstrip("/"))
        except OSError as exc:
            why = exc.strerror or str(exc)
        else:
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    why = "not a regular file there"
                elif st.st_size != e.size:
                    why = f"{st.st_size} bytes there, {e.size} in the layer's header"
                else:
                    data = pread_all(fd, n, 0)
                    if len(data) == n:
                        return data
                    why = "shorter than its header says"
            finally:
                os.close(fd)
        raise InputError(f"cannot read {e.path} of {self.name} from the Docker daemon's storage"
                         f" ({self.diff}): {why}",
                         hint=f"was the image removed meanwhile? {ENV}=0 reads the daemon's export instead")


def _layer(root: str, chain: str, diff_id: str, shown: str, verify: bool | None) -> StoreLayer:
    ldir = os.path.join(root, "image", "overlay2", "layerdb", "sha256", chain[7:])
    have = _read_small(os.path.join(ldir, "diff"), 200).decode("ascii", "replace").strip()
    if have != diff_id:
        raise Unusable(f"layer {chain[7:19]}: its diff file says {have[:80]!r}, the config {diff_id}")
    cache_id = _read_small(os.path.join(ldir, "cache-id"), 200).decode("ascii", "replace").strip()
    if not _CACHE_ID.fullmatch(cache_id):
        raise Unusable(f"layer {chain[7:19]}: odd cache-id {cache_id[:80]!r}")
    diff = os.path.join(root, "overlay2", cache_id, "diff")
    try:
        st = os.lstat(diff)
    except OSError as exc:
        raise Unusable(f"layer {chain[7:19]}: {diff}: {exc.strerror}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise Unusable(f"layer {chain[7:19]}: {diff} is not a directory")
    split = os.path.join(ldir, "tar-split.json.gz")
    rec = StoreLayer(name=shown, compression="tar")
    rec.diff = diff
    seen: set[str] = set()
    h = hashlib.sha256() if verify is True else None
    total = [0]

    def content(size: int, name: Any) -> None:
        if h is None or not size:
            return
        try:
            fd = open_beneath(diff, name)
        except OSError as exc:
            raise Unusable(f"layer {chain[7:19]}: cannot open {os.fsdecode(name)!r} in {diff}: {exc.strerror}")
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size != size:
                raise Unusable(f"layer {chain[7:19]}: {os.fsdecode(name)!r} in {diff} is not the file tar-split"
                               f" describes ({size} bytes)")
            pos = 0
            while pos < size:
                b = os.pread(fd, min(CHUNK, size - pos), pos)
                if not b:
                    raise Unusable(f"layer {chain[7:19]}: {os.fsdecode(name)!r} shrank while read")
                h.update(b)
                pos += len(b)
        finally:
            os.close(fd)
        total[0] += size
        if total[0] > MAX_LAYER_BYTES:
            raise Unusable(f"layer {chain[7:19]}: more than {MAX_LAYER_BYTES} bytes")

    def hashed(it: Iterator[tuple[bytes | None, int, Any]]) -> Iterator[tuple[bytes | None, int, Any]]:
        for piece in it:
            if piece[0] is not None:
                h.update(piece[0])  # type: ignore[union-attr]
            yield piece

    pieces = _pieces(split, names=h is not None)
    src = SplitTar(hashed(pieces) if h is not None else pieces, content)
    try:
        parse_layer(src, rec)
    except TarError as exc:
        raise Unusable(f"layer {chain[7:19]}: {exc.message}") from None
    if src.members != rec.entries:
        raise Unusable(f"layer {chain[7:19]}: tar-split lists {src.members} members, its headers {rec.entries}")
    for e in rec.members:
        if e.type == "file":
            if e.path in seen:  # diff/ holds the last copy only: its earlier contents are not there
                raise Unusable(f"layer {chain[7:19]}: {e.path} is in the layer twice")
            seen.add(e.path)
    if h is not None:
        src.drain()
        rec.digest = "sha256:" + h.hexdigest()
        if rec.digest != diff_id:
            raise InputError(f"{shown}: diff_id mismatch: the config says {diff_id}, the layer re-assembled from"
                             f" the Docker daemon's storage hashes to {rec.digest}",
                             hint="the daemon's storage is corrupt or was modified")
    return rec


def load_store(name: str, info: dict[str, Any], img: dict[str, Any], repo_images: list[dict[str, Any]] | None,
               verify: bool | None, progress: Callable[[str], None] | None = None):
    """The image ``name`` from the store, or :class:`Unusable`."""
    from golayer.image import shapes
    from golayer.image.sources import Loaded, _check_layer_count, _parse_json, platform_of

    driver = info.get("Driver")
    if driver != "overlay2":
        raise Unusable(f"the daemon's storage driver is {driver!r}, not overlay2")
    status = info.get("DriverStatus") or []
    if any(isinstance(x, list) and x and x[0] == "driver-type" for x in status):
        raise Unusable("the daemon keeps images in containerd's store")
    if any("rootless" in str(o) for o in info.get("SecurityOptions") or []):
        raise Unusable("the daemon is rootless")
    root = info.get("DockerRootDir")
    if not isinstance(root, str) or not root.startswith("/"):
        raise Unusable("the daemon reports no root directory")
    if not os.path.isdir(os.path.join(root, "image", "overlay2", "imagedb")):
        raise Unusable(f"{root} does not hold the daemon's image store here")
    image_id = str(img.get("Id") or "")
    if not image_id.startswith("sha256:") or not _HEX64.fullmatch(image_id[7:]):
        raise Unusable(f"the daemon reports an odd image ID {image_id[:80]!r}")
    tags = export_tags(name, image_id, repo_images)
    if tags is None:
        raise Unusable(f"the export of {name} would hold several images")
    data = _read_small(os.path.join(root, "image", "overlay2", "imagedb", "content", "sha256", image_id[7:]),
                       64 << 20)
    if hashlib.sha256(data).hexdigest() != image_id[7:]:
        raise Unusable("the stored config does not hash to the image ID")
    config = _parse_json(data, "image config", image_id, None, shapes.CONFIG)
    diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
    _check_layer_count(len(diff_ids), name)
    if not all(isinstance(d, str) and d.startswith("sha256:") and _HEX64.fullmatch(d[7:]) for d in diff_ids):
        raise Unusable("the config's diff_ids are not all sha256 digests")
    layers: list[LayerRecord] = []
    parsed: dict[str, StoreLayer] = {}
    for i, (cid, did) in enumerate(zip(chain_ids(diff_ids), diff_ids)):
        if progress:
            progress(f"layer {i + 1}/{len(diff_ids)} (daemon storage)")
        rec = parsed.get(did)  # the export stores a repeated layer once (a symlink): one record
        if rec is None:
            rec = parsed[did] = _layer(root, cid, did, f"{name}:layer {i} ({did[7:19]})", verify)
        layers.append(rec)
    loaded = Loaded("docker", name, config, layers, platform_of(config), tags, [])
    loaded.note = ("layers read from the Docker daemon's storage (tar-split + overlay2 diff directories,"  # type: ignore[attr-defined]
                   + (" re-assembled and checked against their diff_ids)" if verify is True else
                      " not hashed; --verify re-assembles and checks them)"))
    return loaded


def _is_root() -> bool:
    geteuid = getattr(os, "geteuid", None)  # absent on Windows: no overlay2 store to read there
    return geteuid is not None and geteuid() == 0


def try_load(name: str, verify: bool | None, progress: Callable[[str], None] | None = None):
    """The image from the daemon's storage, or a string: why the export must be read instead."""
    if os.environ.get(ENV, "1").strip().lower() in ("0", "false", "no", "off"):
        return f"{ENV}=0"
    if not _is_root():
        return "the daemon's storage is readable by root only"
    facts = daemon_facts(name)
    if isinstance(facts, str):
        return facts
    try:
        return load_store(name, *facts, verify, progress)
    except Unusable as exc:
        return str(exc)
