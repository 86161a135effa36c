"""Image sources: ``docker-archive:PATH``, ``oci:DIR``, ``oci-archive:PATH``, ``docker:NAME``.

Every source yields the image config and the layers as :class:`~golayer.image.layers.LayerRecord`
in stack order. Nothing is extracted to disk and nothing from the image is executed.

* ``docker-archive:PATH`` -- ``docker save`` output. Docker <= 24: ``manifest.json`` (the last
  member), ``<id>/layer.tar`` (uncompressed; duplicates are symlinks to another layer's tar),
  ``<config>.json``. Docker >= 25: the same ``manifest.json`` pointing into ``blobs/sha256/``
  (plus an OCI ``index.json``). The outer tar is indexed by reading its headers only.
* ``oci:DIR[:REF]`` / ``oci-archive:PATH`` -- OCI image layout: ``index.json`` -> (nested
  indexes) -> manifest -> config + layers. Layers may be plain tar, gzip or zstd: the format is
  sniffed from the magic bytes, the media type must be a known layer type. Several platforms:
  ``--platform os/arch[/variant]`` chooses; without it the error lists them. Attestation
  manifests (platform ``unknown/unknown``) are skipped.
* ``docker:NAME`` -- the local daemon. Its own image store (overlay2, read-only) when that can be
  read and checks out (:mod:`golayer.image.dockerstore`: no export, the layer headers from
  tar-split, file contents from the layer directories); otherwise ``GET /images/NAME/get`` over
  the unix socket (``DOCKER_HOST=unix://...`` honoured; otherwise ``docker save NAME`` piped),
  parsed as one stream, and the source note says why. Layers arrive in archive order, not stack
  order, so each is parsed on its own and stacked once ``manifest.json`` has been seen.
* ``registry:REF``, ``containerd:NAME``, ``podman:NAME`` and ``HOST/REPO`` references are
  dispatched to :mod:`golayer.image.remote` (registry.py, containerd.py, podman.py), which reuse
  :func:`choose_image`, :func:`load_oci` and :func:`load_stream`.
* A bare argument: an existing directory is an OCI layout, an existing file is a docker or OCI
  archive (decided by its members), ``HOST/REPO[:TAG]`` the daemon if it holds it else the
  registry, anything else is a daemon image name.

Digests: config and manifest blobs are always checked. A layer's sha256 is checked against the
config's ``rootfs.diff_ids`` whenever the layer is streamed anyway (gzip/zstd blobs, the daemon
export): hashing costs little next to decompression. An *uncompressed* layer in a local file is
read header by header, skipping its data, and is hashed only with ``verify=True`` (``--verify``):
hashing a 750 MB ``docker save`` archive costs more CPU than the whole analysis. ``verify=False``
skips every layer check.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any, Callable

from golayer.errors import InputError, UsageError
from golayer.image import shapes
from golayer.image.layers import CAPTURE_BUDGET, LayerRecord, file_reader, norm, parse_hashed, parse_layer
from golayer.image.tarstream import (FileSlice, Stream, TarError, decompressing, pread_all, sniff, walk,
                                     zstd_complete)

KINDS = ("docker-archive", "oci", "oci-archive", "docker")
INDEX_TYPES = {"application/vnd.oci.image.index.v1+json",
               "application/vnd.docker.distribution.manifest.list.v2+json"}
MANIFEST_TYPES = {"application/vnd.oci.image.manifest.v1+json",
                  "application/vnd.docker.distribution.manifest.v2+json"}
LAYER_TYPES = {
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
}
MAX_JSON = 64 << 20
# layers one image may list (Docker refuses more than 125); GOLAYER_MAX_LAYERS raises it
MAX_LAYERS = int(os.environ.get("GOLAYER_MAX_LAYERS", "1000"))
# manifests and indexes visited below one index.json, after de-duplication by digest
MAX_MANIFESTS = int(os.environ.get("GOLAYER_MAX_MANIFESTS", "1000"))
_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")

Progress = Callable[[str], None]


@dataclass
class Loaded:
    kind: str
    ref: str
    config: dict[str, Any]
    layers: list[LayerRecord]  # (or a LazyLayers while worker processes parse: see _load_layers)
    platform: str | None = None
    tags: list[str] = field(default_factory=list)
    fds: list[int] = field(default_factory=list)

    def close(self) -> None:
        for fd in self.fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self.fds.clear()


# ---- reference parsing ----------------------------------------------------------------------

def parse_ref(ref: str) -> tuple[str, str]:
    """(kind, target) for a user reference; bare paths/names auto-detected."""
    for k in ("docker-archive", "oci-archive", "oci", "docker-daemon", "docker", "registry", "containerd", "podman"):
        if ref.startswith(k + ":"):
            target = ref[len(k) + 1 :]
            if not target:
                raise UsageError(f"empty image reference after '{k}:'")
            return ("docker" if k == "docker-daemon" else k), target
    if os.path.isdir(ref):
        return "oci", ref
    if os.path.isfile(ref) or os.path.exists(ref):  # a device or FIFO: refused as not a regular file
        return "archive", ref
    if ref.endswith((".tar", ".tar.gz", ".tgz", ".oci")) or ref.startswith(("/", "./", "../")):
        raise InputError(f"no such file: {ref}")
    from golayer.image.registry import names_registry

    if names_registry(ref):  # HOST/REPO[:TAG]: the daemon if it holds it, else the registry
        return "registry-or-daemon", ref
    return "docker", ref


def platform_of(cfg: dict[str, Any] | None, desc: dict[str, Any] | None = None) -> str | None:
    src = (desc or {}).get("platform") or cfg or {}
    os_, arch = src.get("os"), src.get("architecture")
    if not os_ or not arch:
        return None
    v = src.get("variant")
    return f"{os_}/{arch}" + (f"/{v}" if v else "")


def check_platform(want: str | None) -> None:
    """A ``--platform`` value is ``os/arch[/variant]`` of non-empty names (else a usage error)."""
    if want is None:
        return
    parts = want.split("/")
    if not 2 <= len(parts) <= 3 or not all(p and len(p) <= 64 and p.replace("-", "").replace("_", "")
                                           .replace(".", "").isalnum() and p.isascii() for p in parts):
        raise UsageError(f"--platform {want!r}: use os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8")


def _platform_matches(have: str | None, want: str) -> bool:
    if have is None:
        return False
    check_platform(want)
    h, w = have.split("/"), want.split("/")
    if h[:2] != w[:2]:
        return False
    if len(w) > 2:
        hv = h[2] if len(h) > 2 else ("v8" if h[1] == "arm64" else None)
        return hv == w[2]
    return True


# ---- blob stores ----------------------------------------------------------------------------

class _ArchiveStore:
    """Members of a tar file, found by reading its headers only."""

    def __init__(self, path: str, kind: str):
        self.path = path
        self.kind = kind
        try:
            # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below
            self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            raise InputError(f"cannot open {path}: {exc.strerror}") from None
        st = os.fstat(self.fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(self.fd)
            raise InputError(f"{path} is not a regular file (a device, FIFO or socket): not an image archive")
        self.members: dict[str, tuple[bytes, int, int, str]] = {}
        try:
            for name, typ, size, _m, _u, _g, _t, link, off in walk(FileSlice(self.fd, 0, st.st_size)):
                p = norm(name)
                if p:
                    self.members[p[1:]] = (typ, off, size, link)
        except TarError as exc:
            raise InputError(f"{path} cannot be read as an image archive: {exc.message}",
                             hint="give complete `docker save` output or an OCI archive (oci-archive:PATH)") from None
        if not self.members:
            raise InputError(f"{path} is not an image archive (no tar members)")

    def has(self, name: str) -> bool:
        return self._find(name) is not None

    def _find(self, name: str) -> tuple[int, int] | None:
        for _ in range(16):
            m = self.members.get(name.strip("/"))
            if m is None:
                return None
            typ, off, size, link = m
            if typ in (b"1", b"2"):
                base = name.rsplit("/", 1)[0] if typ == b"2" and "/" in name and not link.startswith("/") else ""
                p = norm(base + "/" + link if base else link)
                if not p:
                    return None
                name = p[1:]
                continue
            return off, size
        return None

    def get(self, name: str) -> tuple[int, int, int]:
        hit = self._find(name)
        if hit is None:
            raise KeyError(name)
        return self.fd, hit[0], hit[1]

    def path_of(self, name: str) -> str | None:
        return None  # members are read through the archive's one descriptor

    def done(self, fd: int) -> None:
        pass


class _DirStore:
    """Blobs of an OCI layout directory. ``get`` opens one blob and the caller ``done``-s it right
    after use: no descriptor stays open per layer (a 60-layer image works under ``ulimit -n 64``);
    layers read later re-open their blob by path (:attr:`LayerRecord.path`)."""

    def __init__(self, path: str):
        self.path = path

    def has(self, name: str) -> bool:
        return os.path.isfile(os.path.join(self.path, name))

    def path_of(self, name: str) -> str | None:
        p = norm(name)
        return os.path.join(self.path, p[1:]) if p else None

    def get(self, name: str) -> tuple[int, int, int]:
        full = self.path_of(name)
        if not full:
            raise KeyError(name)
        try:
            fd = os.open(full, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO blob must not block the open
        except OSError as exc:
            if exc.errno in (errno.EMFILE, errno.ENFILE):
                raise InputError(f"cannot open {full}: {exc.strerror}",
                                 hint="raise the open-files limit (ulimit -n)") from None
            raise KeyError(name) from None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            raise InputError(f"{full} is not a regular file (a device, FIFO or socket)")
        return fd, 0, st.st_size

    def done(self, fd: int) -> None:
        os.close(fd)


def _blob_name(digest: str) -> str:
    algo, _, hexd = str(digest).partition(":")
    if algo not in ("sha256", "sha512") or not hexd or any(c not in "0123456789abcdef" for c in hexd):
        raise InputError(f"invalid digest {digest!r}")
    return f"blobs/{algo}/{hexd}"


def _read_json(store, name: str, what: str, digest: str | None = None, shape: Any = dict) -> Any:
    fetch = getattr(store, "read_bytes", None)  # a remote store (registry.py): bytes, already bounded
    if fetch is not None:
        return _parse_json(fetch(name, what), what, name, digest, shape)
    try:
        fd, off, size = store.get(name)
    except KeyError:
        raise InputError(f"{what} is missing: {name} is not in {store.path}",
                         hint="the image layout is incomplete (a partial copy or save?)") from None
    try:
        if size > MAX_JSON:
            raise InputError(f"{what} ({name}) is implausibly large: {size} bytes")
        data = pread_all(fd, size, off)
    finally:
        _done(store, fd)
    return _parse_json(data, what, name, digest, shape)


def _path_of(store, name: str) -> str | None:
    """The file a blob lives in when the store is a directory (its layers re-open it by path)."""
    f = getattr(store, "path_of", None)
    return f(name) if f is not None else None


def _done(store, fd: int) -> None:
    """Release a descriptor ``store.get`` handed out (directory stores open one per blob)."""
    f = getattr(store, "done", None)
    if f is not None:
        f(fd)


def _parse_json(data: bytes, what: str, name: str, digest: str | None, shape: Any = dict) -> Any:
    """The one way JSON enters: digest checked, parsed (nesting bombs refused), shape validated
    (:mod:`golayer.image.shapes`), so nothing downstream meets a wrongly typed field."""
    if digest:
        algo, _, hexd = digest.partition(":")
        import hashlib  # here: OpenSSL's libcrypto costs ~3.5 MB of memory, a docker-archive needs no digest

        if hashlib.new(algo, data).hexdigest() != hexd:
            raise InputError(f"{what} {name}: content does not match its digest {digest}",
                             hint="the blob is corrupt or was modified")
    return shapes.check(shapes.load_json(data, f"{what} ({name})"), shape, f"{what} ({name})")


# ---- layers from files ----------------------------------------------------------------------

def layer_from_file(fd: int, base: int, size: int, name: str, diff_id: str | None, verify: bool | None,
                    budget: list[int], path: str | None = None) -> LayerRecord:
    """Parse one layer blob. With ``path`` (a blob file of a directory store) the caller may close
    ``fd`` afterwards: later reads re-open the blob by path."""
    head = os.pread(fd, 512, base)
    kind = sniff(head)
    rec = LayerRecord(name=name, compression=kind)
    if kind == "unknown":
        raise InputError(f"{name}: unknown layer format (not a tar, gzip or zstd blob)")

    def opener() -> Callable[[int], bytes]:
        if path is None:
            return file_reader(fd, base, size)
        fh = open(path, "rb", buffering=0)  # closed when the reader (and its stream) is dropped
        return file_reader(fh.fileno(), base, size, keep=fh)

    try:
        if kind == "tar":
            if path is None:
                rec.fd = fd
            rec.base, rec.path = base, path
            if verify is True and diff_id:
                parse_hashed(file_reader(fd, base, size), rec)
            else:
                parse_layer(FileSlice(fd, base, size), rec)
        else:
            def reopen() -> Stream:
                return Stream(decompressing(kind, opener(), name, size))

            if verify is False:
                s = Stream(decompressing(kind, file_reader(fd, base, size), name, size))
                parse_layer(s, rec, capture=True, budget=budget)
                s.drain()  # a truncated stream still fails here
            else:
                parse_hashed(decompressing(kind, file_reader(fd, base, size), name, size), rec, True, budget)
            rec.reopen = reopen
            rec.path = path
    except TarError as exc:
        if kind == "zstd" and exc.message.startswith("truncated") and not zstd_complete(fd, base, size):
            raise InputError(f"{name}: truncated zstd stream: the blob ends inside a compressed frame",
                             hint="the blob is truncated (interrupted download or save?)") from None
        raise InputError(f"{name}: {exc.message}", hint=exc.hint) from None
    _check_digest(rec, diff_id, verify)
    return rec


def _check_digest(rec: LayerRecord, diff_id: str | None, verify: bool | None = None) -> None:
    """A layer's content against its diff_id. Whenever verification is not switched off, a diff_id
    that cannot be checked (another algorithm, a malformed digest) is an error, not a silent pass;
    with ``--verify`` a layer without a diff_id is one too."""
    if verify is False:
        return
    if diff_id is None:
        if verify is True:
            raise InputError(f"{rec.name}: the image config has no diff_id for this layer: cannot verify it",
                             hint="the config's rootfs.diff_ids is missing; drop --verify to analyse anyway")
        return
    if not _SHA256.fullmatch(diff_id):
        raise InputError(f"{rec.name}: diff_id {diff_id[:80]!r} is not a sha256 digest: cannot verify the layer",
                         hint="image configs name layers by sha256 (rootfs.diff_ids); use --no-verify to"
                              " analyse it anyway")
    if rec.digest and rec.digest != diff_id:
        raise InputError(f"{rec.name}: diff_id mismatch: the config says {diff_id}, the layer's content"
                         f" hashes to {rec.digest}", hint="the archive is corrupt or was tampered with")


def _diff_ids(config: dict[str, Any], n_layers: int, where: str) -> list[str | None]:
    ids = ((config.get("rootfs") or {}).get("diff_ids")) or []  # a list of strings (shapes.CONFIG)
    if ids and len(ids) != n_layers:
        raise InputError(f"{where}: the manifest lists {n_layers} layers but the config has {len(ids)} diff_ids")
    return list(ids) if ids else [None] * n_layers


def _check_layer_count(n: int, where: str) -> None:
    """Where layers are listed: more than :data:`MAX_LAYERS` is refused before any is read."""
    if n > MAX_LAYERS:
        raise InputError(f"{where}: the image lists {n} layers, more than golayer reads ({MAX_LAYERS})",
                         hint="Docker itself refuses images deeper than 125 layers; raise the limit with"
                              " GOLAYER_MAX_LAYERS if this image is real")


def _load_layers(store, names: list[tuple[str, str]], ids: list[str | None], where: str, verify: bool | None,
                 progress: Progress | None, missing: Callable[[int, str], InputError]
                 ) -> "list[LayerRecord] | LazyLayers":
    """Parse the layers ``[(blob name, display name)]`` of a store in stack order. A blob listed
    several times is read once: its record is stacked at every position (see tree.Tree.apply).

    Layers are independent until they are stacked: when they are plain tars in local files and big
    enough to pay for a process, forked worker processes parse them (:mod:`golayer.image.parallel`)
    and the result is a :class:`LazyLayers`, whose records arrive in stack order while the caller
    stacks the ones below; the records, problems and errors are the same as parsing them one after
    the other (``GOLAYER_JOBS=1`` does that)."""
    _check_layer_count(len(names), where)
    budget = [CAPTURE_BUDGET]
    # distinct blobs in stack order: (key, first index, blob, shown, diff_id)
    order: list[tuple[Any, int, str, str, str | None]] = []
    key_of: list[Any] = []
    seen: set[Any] = set()
    find = getattr(store, "_find", None)  # an archive: symlinked duplicates resolve to one member
    for i, ((blob, shown), did) in enumerate(zip(names, ids)):
        path = _path_of(store, blob)
        key: Any = path or (find(blob) if find is not None else None) or blob
        key_of.append(key)
        if key not in seen:
            seen.add(key)
            order.append((key, i, blob, shown, did))

    def parse_one(i: int, blob: str, shown: str, did: str | None) -> LayerRecord:
        try:
            fd, off, size = store.get(blob)
        except KeyError:
            raise missing(i, blob) from None
        try:
            return layer_from_file(fd, off, size, shown, did, verify, budget, _path_of(store, blob))
        finally:
            _done(store, fd)

    from golayer.image import parallel

    pipe = parallel.start(store, order, parse_one, progress)
    if pipe is not None:
        return LazyLayers(pipe, names, ids, key_of, {key: i for key, i, _b, _s, _d in order}, verify, progress)
    parsed: dict[Any, Any] = {}
    recs: list[LayerRecord] = []
    for i, ((blob, shown), did) in enumerate(zip(names, ids)):
        _report(progress, f"layer {i + 1}/{len(names)}")
        key = key_of[i]
        rec = parsed.get(key)
        if rec is None:
            rec = parse_one(i, blob, shown, did)
            parsed[key] = rec
        else:
            _check_digest(rec, did, verify)
        recs.append(rec)
    return recs


class LazyLayers:
    """The layer records in stack order while worker processes still parse some
    (:mod:`golayer.image.parallel`): iterating waits for each in turn, so the caller stacks a layer
    as soon as it and those below it are parsed. Iterated to its end (or after :meth:`finish`) it
    behaves as the list the serial path returns."""

    def __init__(self, pipe, names, ids, key_of, first, verify, progress):
        self.pipe, self.names, self.ids, self.key_of, self.first = pipe, names, ids, key_of, first
        self.verify, self.progress = verify, progress
        self.recs: list[LayerRecord] = []

    def _next(self) -> LayerRecord:
        from golayer.image.parallel import Failed

        i = len(self.recs)
        _report(self.progress, f"layer {i + 1}/{len(self.names)}")
        key = self.key_of[i]
        rec = self.pipe.get(key)
        if isinstance(rec, Failed):
            self.pipe.close()
            raise rec.error
        if self.first[key] != i:
            _check_digest(rec, self.ids[i], self.verify)
        self.recs.append(rec)
        if len(self.recs) == len(self.names):
            self.pipe.close()
        return rec

    def __iter__(self):
        i = 0
        while i < len(self.names):
            yield self.recs[i] if i < len(self.recs) else self._next()
            i += 1

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, i):
        self.finish()
        return self.recs[i]

    def finish(self) -> None:
        """Every record (or the first error in stack order): before an error of the stacking is
        reported, and whenever a caller wants the whole list."""
        while len(self.recs) < len(self.names):
            self._next()


def _report(progress: Progress | None, msg: str) -> None:
    if progress:
        progress(msg)


# ---- docker-archive -------------------------------------------------------------------------

def _pick_manifest(entries: list[dict[str, Any]], where: str, select: str | None) -> dict[str, Any]:
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{where}: manifest.json lists no image")
    if select:
        hits = [e for e in entries if select in (e.get("RepoTags") or [])]
        if not hits:
            raise InputError(f"{where}: no image tagged {select!r} in the archive")
        return hits[0]
    if len(entries) > 1:
        tags = ", ".join(t for e in entries for t in (e.get("RepoTags") or ["<untagged>"]))
        raise InputError(f"{where} holds {len(entries)} images ({tags})",
                         hint="name one: docker-archive:PATH:REPO:TAG")
    return entries[0]


def load_docker_archive(path: str, verify: bool | None, progress: Progress | None, select: str | None = None,
                        platform: str | None = None) -> Loaded:
    store = _ArchiveStore(path, "docker-archive")
    if not store.has("manifest.json"):
        if store.has("index.json"):
            return load_oci(store, "oci-archive", path, platform, verify, progress)
        raise InputError(f"{path} is not an image archive (no manifest.json or index.json)",
                         hint="create one with `docker save NAME -o FILE`")
    entry = _pick_manifest(_read_json(store, "manifest.json", "manifest.json", shape=shapes.DOCKER_MANIFEST),
                           path, select)
    cfg_name = entry["Config"]
    config = _read_json(store, cfg_name, "image config", shape=shapes.CONFIG)
    if platform and not _platform_matches(platform_of(config), platform):  # never analyse another platform
        os.close(store.fd)
        raise InputError(f"{path}: no image for platform {platform} (available: {platform_of(config) or '?'})")
    layer_names = entry.get("Layers") or []
    _check_layer_count(len(layer_names), path)
    ids = _diff_ids(config, len(layer_names), path)

    def missing(i: int, ln: str) -> InputError:
        return InputError(f"{path}: layer {i} ({ln}) is missing from the archive", hint="the archive is incomplete")

    recs = _load_layers(store, [(ln, f"{path}:{ln}") for ln in layer_names], ids, path, verify, progress, missing)
    return Loaded("docker-archive", path, config, recs, platform_of(config), list(entry.get("RepoTags") or []),
                  [store.fd])


# ---- OCI layout -----------------------------------------------------------------------------

def _flatten(store, index: dict[str, Any], where: str) -> list[tuple[dict, dict]]:
    """[(descriptor, manifest)] of every image manifest reachable from an index.

    Each digest is visited once (an index listing the same child ten times at every level is
    ten visits, not 10**depth), and at most :data:`MAX_MANIFESTS` documents are read in all."""
    out: list[tuple[dict, dict]] = []
    unknown: list[str] = []
    seen: set[str] = set()

    def visit(index: dict[str, Any], depth: int) -> None:
        if depth > 8:
            raise InputError(f"{where}: image indexes nested too deeply")
        for d in index.get("manifests") or []:
            mt = d.get("mediaType")
            plat = d.get("platform") or {}
            ann = d.get("annotations") or {}
            if plat.get("os") == "unknown" or ann.get("vnd.docker.reference.type") == "attestation-manifest":
                continue
            if not (mt in INDEX_TYPES or mt in MANIFEST_TYPES or mt is None):
                unknown.append(str(mt))
                continue
            digest = d["digest"]
            if digest in seen:
                continue
            seen.add(digest)
            if len(seen) > MAX_MANIFESTS:
                raise InputError(f"{where}: the image index lists more than {MAX_MANIFESTS} manifests",
                                 hint="a hostile or broken layout? raise the limit with GOLAYER_MAX_MANIFESTS")
            doc = _read_json(store, _blob_name(digest), f"{mt or 'manifest'}", digest)
            kind = mt or doc.get("mediaType") or ("index" if "manifests" in doc else "manifest")
            if kind in INDEX_TYPES or kind == "index":
                visit(shapes.check(doc, shapes.INDEX, f"image index {digest}"), depth + 1)
            else:
                out.append((d, doc))  # its shape is checked where it is used (choose_image)

    visit(index, 0)
    if not out and unknown:
        raise InputError(f"{where}: unknown media type(s) in the image index: {', '.join(sorted(set(unknown)))}")
    return out


def choose_image(store, index: dict[str, Any], where: str, platform: str | None,
                 default_platform: str | None = None) -> tuple[str | None, dict, dict]:
    """(platform, manifest, config) of the one image an index designates (``--platform`` picks).

    Shared by the OCI layouts and the registry source. With several platforms and no ``platform``,
    ``default_platform`` (the registry source passes the machine's) is taken when it matches."""
    found = _flatten(store, index, where)
    if not found:
        raise InputError(f"{where}: the index lists no image manifest")
    cands: list[tuple[str | None, dict, dict, dict]] = []
    for d, man in found:  # one entry per digest (_flatten)
        man = shapes.check(man, shapes.MANIFEST, f"image manifest {d['digest']}")
        cfg_desc = man["config"]
        config = _read_json(store, _blob_name(cfg_desc["digest"]), "image config", cfg_desc["digest"],
                            shape=shapes.CONFIG)
        cands.append((platform_of(config, d), d, man, config))
    if platform:
        cands = [c for c in cands if _platform_matches(c[0], platform)]
        if not cands:
            have = ", ".join(sorted({str(p) for p, *_ in
                                     [(platform_of(None, d) or "?",) for d, _ in found]}))
            raise InputError(f"{where}: no image for platform {platform} (available: {have})")
    if len(cands) > 1 and not platform and default_platform:
        mine = [c for c in cands if _platform_matches(c[0], default_platform)]
        if len(mine) == 1:
            cands = mine
    if len(cands) > 1:
        plats = ", ".join(str(c[0]) for c in cands)
        raise UsageError(f"{where} holds images for several platforms ({plats})",
                         hint="choose one with --platform os/arch[/variant]")
    plat, _d, man, config = cands[0]
    return plat, man, config


def load_oci(store, kind: str, where: str, platform: str | None, verify: bool | None, progress: Progress | None,
             ref_name: str | None = None, default_platform: str | None = None) -> Loaded:
    if not store.has("index.json"):
        raise InputError(f"{where} is not an OCI image layout (no index.json)")
    index = _read_json(store, "index.json", "index.json", shape=shapes.INDEX)
    top = index.get("manifests") or []
    if ref_name:
        top = [d for d in top if (d.get("annotations") or {}).get("org.opencontainers.image.ref.name") == ref_name]
        if not top:
            raise InputError(f"{where}: no image named {ref_name!r} in index.json")
        index = {**index, "manifests": top}
    plat, man, config = choose_image(store, index, where, platform, default_platform)
    descs = man.get("layers") or []
    _check_layer_count(len(descs), where)
    ids = _diff_ids(config, len(descs), where)
    names = []
    for i, ld in enumerate(descs):
        mt = ld.get("mediaType")
        if mt not in LAYER_TYPES:
            raise InputError(f"{where}: layer {i} has unknown media type {mt!r}",
                             hint="only tar, tar+gzip and tar+zstd image layers are supported")
        name = _blob_name(ld["digest"])
        names.append((name, f"{where}:{name}"))

    def missing(i: int, name: str) -> InputError:
        mt = descs[i].get("mediaType") or ""
        extra = " (a foreign/non-distributable layer: it was never copied)" if "foreign" in mt or \
            "nondistributable" in mt else ""
        return InputError(f"{where}: missing blob {descs[i]['digest']} (layer {i}){extra}",
                          hint="the layout is incomplete")

    recs = _load_layers(store, names, ids, where, verify, progress, missing)
    fds = [store.fd] if isinstance(store, _ArchiveStore) else []
    return Loaded(kind, where, config, recs, plat, [], fds)


# ---- daemon ---------------------------------------------------------------------------------

def daemon_connection(timeout: float) -> tuple[Any, str] | None:
    """An HTTP connection to the local Docker daemon's unix socket (``DOCKER_HOST`` or the default), and the
    socket's path; None when there is no such socket."""
    import http.client
    import socket

    from golayer.image.dockerstore import socket_path

    sock_path = socket_path()
    if sock_path is None:
        return None

    class Conn(http.client.HTTPConnection):
        def connect(self) -> None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(timeout)
            s.connect(sock_path)
            self.sock = s

    return Conn("localhost"), sock_path


def _daemon_reader(name: str) -> tuple[Callable[[int], bytes], Callable[[], None]]:
    from urllib.parse import quote

    got = daemon_connection(300)
    if got is not None:
        conn, sock_path = got
        try:
            conn.request("GET", f"/images/{quote(name, safe='/:@')}/get")
            resp = conn.getresponse()
        except OSError as exc:
            raise InputError(f"cannot talk to the Docker daemon at {sock_path}: {exc}") from None
        if resp.status == 404:
            raise InputError(f"no such image in the local Docker daemon: {name}",
                             hint="build or pull it first, or give a docker-archive:/oci: path")
        if resp.status != 200:
            body = resp.read(2000).decode("utf-8", "replace")
            raise InputError(f"Docker daemon refused to export {name}: HTTP {resp.status} {body.strip()}")
        return resp.read, conn.close
    import shutil
    import subprocess

    docker = shutil.which("docker")
    if not docker:
        raise InputError(f"{name!r} is not a file, and no Docker daemon socket or docker client is available",
                         hint="give a docker-archive:PATH, oci:DIR or oci-archive:PATH reference")
    proc = subprocess.Popen([docker, "save", name], stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def close() -> None:
        proc.stdout.close()
        err = proc.stderr.read().decode("utf-8", "replace")
        if proc.wait() != 0:
            raise InputError(f"docker save {name} failed: {err.strip()}")

    return proc.stdout.read, close


def _restream(open_export: Callable[[], tuple[Callable[[int], bytes], Callable[[], None]]], member: str,
              kind: str, where: str) -> Callable[[], Stream]:
    """A ``reopen`` for a streamed layer: export the image again and stop at that layer's member."""

    def reopen() -> Stream:
        read, _close = open_export()
        outer = Stream(read)
        for name, typ, size, _m, _u, _g, _t, _l, off in walk(outer):
            p = norm(name)
            if p and p[1:] == member:
                return Stream(decompressing(kind, outer.reader(off, size), member, size))
        raise InputError(f"{where}: layer {member} vanished from the export (was the image re-tagged?)")

    return reopen


def load_stream(read: Callable[[int], bytes], where: str, kind: str, platform: str | None,
                progress: Progress | None,
                open_export: Callable[[], tuple[Callable[[int], bytes], Callable[[], None]]] | None = None) -> Loaded:
    """Parse a whole ``docker save`` stream in one forward pass.

    Files that were not captured during the pass are read (rarely) by exporting the image again
    through ``open_export`` and stopping at their layer."""
    outer = Stream(read)
    recs: dict[str, LayerRecord] = {}
    jsons: dict[str, bytes] = {}
    links: dict[str, str] = {}
    budget = [CAPTURE_BUDGET]
    try:
        for name, typ, size, _m, _u, _g, _t, link, off in walk(outer):
            p = norm(name)
            if not p:
                continue
            n = p[1:]
            if typ in (b"1", b"2"):
                base = n.rsplit("/", 1)[0] if typ == b"2" and "/" in n and not link.startswith("/") else ""
                q = norm(base + "/" + link if base else link)
                if q:
                    links[n] = q[1:]
                continue
            if typ not in (b"0", b"\x00", b"7") or size == 0:
                continue
            head = outer.peek(off, min(size, 512))
            if head[:1] in (b"{", b"[") and size <= MAX_JSON:
                jsons[n] = outer.data(off, size)
                continue
            if n in ("repositories", "oci-layout") or n.endswith("/json") or n.endswith("/VERSION"):
                continue
            k = sniff(head)
            if k == "unknown":
                continue
            _report(progress, f"layer {len(recs) + 1} ({n})")
            if len(recs) >= MAX_LAYERS:
                _check_layer_count(len(recs) + 1, where)
            rec = LayerRecord(name=f"{where}:{n}", compression=k)
            try:
                parse_hashed(decompressing(k, outer.reader(off, size), n, size), rec, True, budget)
            except TarError as exc:
                raise InputError(f"{rec.name}: {exc.message}", hint=exc.hint) from None
            if open_export is not None:
                rec.reopen = _restream(open_export, n, k, where)
            recs[n] = rec
    except TarError as exc:
        raise InputError(f"{where}: {exc.message}", hint=exc.hint) from None

    def resolve(n: str) -> str:
        for _ in range(16):
            if n in links:
                n = links[n]
        return n

    if "manifest.json" in jsons:
        entry = _pick_manifest(_parse_json(jsons["manifest.json"], "manifest.json", "manifest.json", None,
                                           shapes.DOCKER_MANIFEST), where, None)
        cfg_name = resolve(entry["Config"])
        if cfg_name not in jsons:
            raise InputError(f"{where}: the image config {cfg_name} is missing from the export")
        config = _parse_json(jsons[cfg_name], "image config", cfg_name, None, shapes.CONFIG)
        names = [resolve(x) for x in entry.get("Layers") or []]
        tags = list(entry.get("RepoTags") or [])
    else:
        raise InputError(f"{where}: the export has no manifest.json (not a docker save stream)")
    _check_layer_count(len(names), where)
    ids = _diff_ids(config, len(names), where)
    layers = []
    for i, (n, did) in enumerate(zip(names, ids)):
        if n not in recs:
            raise InputError(f"{where}: layer {i} ({n}) is missing from the export")
        rec = recs[n]  # a layer listed twice is one member of the export, parsed once
        _check_digest(rec, did)
        layers.append(rec)
    return Loaded(kind, where, config, layers, platform_of(config), tags, [])


def load(ref: str, platform: str | None = None, verify: bool | None = None, progress: Progress | None = None,
         entrypoint_only: bool = False) -> Loaded:
    check_platform(platform)
    kind, target = parse_ref(ref)
    if kind in ("registry", "registry-or-daemon", "containerd", "podman"):
        from golayer.image import remote

        return remote.load(kind, target, platform, verify, progress, entrypoint_only)
    if kind == "docker":
        from golayer.image import dockerstore

        got = dockerstore.try_load(target, verify, progress)
        if not isinstance(got, str):
            return got
        read, close = _daemon_reader(target)
        try:
            loaded = load_stream(read, target, "docker", platform, progress, lambda: _daemon_reader(target))
        finally:
            close()
        loaded.note = f"read from the daemon's export stream: {got}"  # type: ignore[attr-defined]
        return loaded
    if kind == "oci":
        path, ref_name = target, None
        if not os.path.isdir(path) and ":" in target:
            path, ref_name = target.rsplit(":", 1)
        if not os.path.isdir(path):
            raise InputError(f"no such OCI layout directory: {path}")
        return load_oci(_DirStore(path), "oci", path, platform, verify, progress, ref_name)
    select = None
    path = target
    if not os.path.exists(path) and kind == "docker-archive" and ":" in target:
        # docker-archive:PATH:REPO:TAG
        head, _, tail = target.partition(":")
        path, select = head, tail
    if not os.path.exists(path):
        raise InputError(f"no such file: {path}")
    if os.path.isdir(path):
        if kind in ("oci-archive", "docker-archive"):
            raise InputError(f"{path} is a directory; use oci:{path} for an OCI layout directory")
        return load_oci(_DirStore(path), "oci", path, platform, verify, progress)
    if kind == "oci-archive":
        return load_oci(_ArchiveStore(path, kind), "oci-archive", path, platform, verify, progress)
    # docker-archive or a bare file: decided by the members
    loaded = load_docker_archive(path, verify, progress, select, platform)
    if kind == "archive":
        pass
    return loaded
