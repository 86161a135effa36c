"""Write synthetic images: layer tars, ``docker save`` archives (both layouts), OCI layouts.

Everything is generated in the test; nothing is committed as a binary fixture.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any, Iterable


class Layer:
    """A layer tar under construction (members in insertion order)."""

    def __init__(self, fmt: int = tarfile.PAX_FORMAT):
        self.items: list[tuple[tarfile.TarInfo, bytes | None]] = []
        self.fmt = fmt
        self.raw_tail = b""

    def _ti(self, name: str, type_: bytes, mode: int, uid: int = 0, gid: int = 0) -> tarfile.TarInfo:
        ti = tarfile.TarInfo(name)
        ti.type = type_
        ti.mode = mode
        ti.uid, ti.gid = uid, gid
        ti.mtime = 1700000000
        return ti

    def file(self, name: str, data: bytes | int = b"", mode: int = 0o644, uid: int = 0, gid: int = 0) -> "Layer":
        if isinstance(data, int):
            data = bytes([0x61 + (len(name) % 26)]) * data
        ti = self._ti(name, tarfile.REGTYPE, mode, uid, gid)
        ti.size = len(data)
        self.items.append((ti, data))
        return self

    def dir(self, name: str, mode: int = 0o755, uid: int = 0, gid: int = 0) -> "Layer":
        self.items.append((self._ti(name, tarfile.DIRTYPE, mode, uid, gid), None))
        return self

    def symlink(self, name: str, target: str) -> "Layer":
        ti = self._ti(name, tarfile.SYMTYPE, 0o777)
        ti.linkname = target
        self.items.append((ti, None))
        return self

    def hardlink(self, name: str, target: str) -> "Layer":
        ti = self._ti(name, tarfile.LNKTYPE, 0o644)
        ti.linkname = target
        self.items.append((ti, None))
        return self

    def whiteout(self, path: str) -> "Layer":
        d, _, base = path.rstrip("/").rpartition("/")
        return self.file((d + "/" if d else "") + ".wh." + base, b"")

    def opaque(self, d: str) -> "Layer":
        return self.file(d.rstrip("/") + "/.wh..wh..opq", b"")

    def tar(self) -> bytes:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=self.fmt) as tf:
            for ti, data in self.items:
                tf.addfile(ti, io.BytesIO(data) if data is not None else None)
        return buf.getvalue() + self.raw_tail


def sha(b: bytes) -> str:
    return "sha256:" + hashlib.sha256(b).hexdigest()


def config_for(layer_tars: list[bytes], *, history: list[dict] | None = None, user: str | None = None,
               entrypoint: list[str] | None = None, cmd: list[str] | None = None, env: list[str] | None = None,
               arch: str = "amd64", variant: str | None = None, diff_ids: list[str] | None = None) -> dict[str, Any]:
    cfg: dict[str, Any] = {"architecture": arch, "os": "linux", "config": {},
                           "rootfs": {"type": "layers", "diff_ids": diff_ids or [sha(t) for t in layer_tars]},
                           "history": history if history is not None else
                           [{"created_by": f"step {i}"} for i in range(len(layer_tars))]}
    if variant:
        cfg["variant"] = variant
    c = cfg["config"]
    if user is not None:
        c["User"] = user
    if entrypoint is not None:
        c["Entrypoint"] = entrypoint
    if cmd is not None:
        c["Cmd"] = cmd
    if env is not None:
        c["Env"] = env
    return cfg


def _tar_of(members: Iterable[tuple[str, bytes | None, str | None]]) -> bytes:
    """An outer archive: (name, data, symlink target)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data, link in members:
            ti = tarfile.TarInfo(name)
            ti.mtime = 1700000000
            if link is not None:
                ti.type = tarfile.SYMTYPE
                ti.linkname = link
                tf.addfile(ti)
            elif data is None:
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                tf.addfile(ti)
            else:
                ti.size = len(data)
                ti.mode = 0o644
                tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def docker_archive(path: Path, layers: list[Layer | bytes], layout: str = "v1", tags: list[str] | None = None,
                   config: dict | None = None, **cfg_kw: Any) -> Path:
    """``docker save`` output: ``layout="v1"`` (Docker <= 24) or ``"oci"`` (Docker >= 25)."""
    tars = [x.tar() if isinstance(x, Layer) else x for x in layers]
    cfg = config or config_for(tars, **cfg_kw)
    cfg_bytes = json.dumps(cfg).encode()
    tags = tags if tags is not None else ["golayer-test:latest"]
    members: list[tuple[str, bytes | None, str | None]] = []
    if layout == "v1":
        cfg_name = hashlib.sha256(cfg_bytes).hexdigest() + ".json"
        names = []
        first_of: dict[bytes, str] = {}
        for i, t in enumerate(tars):
            lid = hashlib.sha256(f"{i}:{sha(t)}".encode()).hexdigest()
            names.append(f"{lid}/layer.tar")
            members.append((lid, None, None))
            members.append((f"{lid}/VERSION", b"1.0", None))
            members.append((f"{lid}/json", json.dumps({"id": lid}).encode(), None))
            if t in first_of:  # docker dedups identical layers with a symlink
                members.append((f"{lid}/layer.tar", None, f"../{first_of[t]}"))
            else:
                first_of[t] = f"{lid}/layer.tar"
                members.append((f"{lid}/layer.tar", t, None))
        members.append((cfg_name, cfg_bytes, None))
        manifest = [{"Config": cfg_name, "RepoTags": tags, "Layers": names}]
        members.append(("manifest.json", json.dumps(manifest).encode(), None))
        members.append(("repositories", b"{}", None))
    else:
        blobs: dict[str, bytes] = {}
        for t in tars:
            blobs[sha(t)] = t
        blobs[sha(cfg_bytes)] = cfg_bytes
        man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
               "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(cfg_bytes),
                          "size": len(cfg_bytes)},
               "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha(t), "size": len(t)}
                          for t in tars]}
        mb = json.dumps(man).encode()
        blobs[sha(mb)] = mb
        members.append(("blobs", None, None))
        members.append(("blobs/sha256", None, None))
        for d, b in blobs.items():
            members.append((f"blobs/sha256/{d[7:]}", b, None))
        index = {"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                                     "digest": sha(mb), "size": len(mb)}]}
        members.append(("index.json", json.dumps(index).encode(), None))
        manifest = [{"Config": f"blobs/sha256/{sha(cfg_bytes)[7:]}", "RepoTags": tags,
                     "Layers": [f"blobs/sha256/{sha(t)[7:]}" for t in tars]}]
        members.append(("manifest.json", json.dumps(manifest).encode(), None))
        members.append(("oci-layout", b'{"imageLayoutVersion":"1.0.0"}', None))
    path.write_bytes(_tar_of(members))
    return path


def compress(t: bytes, how: str | None) -> bytes:
    if how == "gzip":
        return gzip.compress(t, compresslevel=1, mtime=0)
    if how == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().compress(t)
    return t


MT = {None: "application/vnd.oci.image.layer.v1.tar", "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
      "zstd": "application/vnd.oci.image.layer.v1.tar+zstd"}


def oci_image(layers: list[Layer | bytes], compression: str | None = "gzip", blobs: dict[str, bytes] | None = None,
              **cfg_kw: Any) -> tuple[dict, dict[str, bytes]]:
    """(manifest descriptor, blobs) of one image; blobs accumulate into ``blobs``."""
    blobs = {} if blobs is None else blobs
    tars = [x.tar() if isinstance(x, Layer) else x for x in layers]
    cfg = config_for(tars, **cfg_kw)
    cb = json.dumps(cfg).encode()
    blobs[sha(cb)] = cb
    lds = []
    for t in tars:
        c = compress(t, compression)
        blobs[sha(c)] = c
        lds.append({"mediaType": MT[compression], "digest": sha(c), "size": len(c)})
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(cb), "size": len(cb)},
           "layers": lds}
    mb = json.dumps(man).encode()
    blobs[sha(mb)] = mb
    desc = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(mb), "size": len(mb)}
    plat = {"os": "linux", "architecture": cfg["architecture"]}
    if cfg.get("variant"):
        plat["variant"] = cfg["variant"]
    desc["platform"] = plat
    return desc, blobs


def write_oci(dest: Path, manifests: list[dict], blobs: dict[str, bytes], archive: bool = False,
              nested: bool = False) -> Path:
    """An OCI layout directory (or ``archive=True``: a tar of it). ``nested``: index -> index -> manifests."""
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests}
    if nested:
        ib = json.dumps(index).encode()
        blobs[sha(ib)] = ib
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": sha(ib),
                                "size": len(ib)}]}
    files = {"oci-layout": b'{"imageLayoutVersion":"1.0.0"}', "index.json": json.dumps(index).encode()}
    for d, b in blobs.items():
        files[f"blobs/sha256/{d[7:]}"] = b
    if archive:
        dest.write_bytes(_tar_of([("blobs", None, None), ("blobs/sha256", None, None)] +
                                 [(n, b, None) for n, b in sorted(files.items())]))
    else:
        for n, b in files.items():
            p = dest / n
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(b)
    return dest


def raw_header(name: str, size: int, typeflag: bytes = b"0", linkname: str = "", mode: int = 0o644) -> bytes:
    """A hand-made ustar header (for hostile entries tarfile refuses to write)."""
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    h[100:108] = f"{mode:07o}\0".encode()
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = f"{size:011o}\0".encode()
    h[136:148] = b"00000000000\0"
    h[156:157] = typeflag
    h[157:157 + len(linkname)] = linkname.encode()
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    h[148:156] = b" " * 8
    chk = sum(h)
    h[148:156] = f"{chk:06o}\0 ".encode()
    return bytes(h)


def raw_tar(*members: tuple[bytes, bytes]) -> bytes:
    """Concatenate (header, data) pairs into a tar with end blocks."""
    out = b""
    for hdr, data in members:
        out += hdr + data + b"\0" * ((512 - len(data) % 512) % 512)
    return out + b"\0" * 1024


def tree_of(ana) -> dict[str, Any]:
    return {e.path: e for e in ana.tree.iter()}


def file_bytes(root: str | os.PathLike) -> int:
    total = 0
    for dp, _dn, fn in os.walk(root):
        for f in fn:
            p = os.path.join(dp, f)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total
