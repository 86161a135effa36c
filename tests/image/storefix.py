"""A Docker overlay2 image store on disk, written the way dockerd writes it, for the ``docker:`` source.

``make_store(root, layers)`` lays out ``image/overlay2/imagedb`` (the config, named by its sha256),
``image/overlay2/layerdb/sha256/<chain id>/`` (``diff``, ``cache-id``, ``tar-split.json.gz``) and
``overlay2/<cache id>/diff/`` (the layer's files) for the given layer tars, and returns the image ID.
tar-split here is built from the tar's own bytes: type 2 entries hold everything between member
contents (headers, pax records, padding, the end-of-archive blocks), type 1 one entry per member.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any

from golayer.image.tarstream import Stream, walk


def tar_split(tar: bytes) -> bytes:
    lines: list[dict[str, Any]] = []
    prev = 0
    for nm, _typ, size, *_rest, off in walk(Stream(io.BytesIO(tar).read)):
        lines.append({"type": 2, "payload": base64.b64encode(tar[prev:off]).decode(), "position": len(lines)})
        e: dict[str, Any] = {"type": 1, "name": nm}
        if size:
            e["size"] = size
        e.update(payload=None, position=len(lines))
        lines.append(e)
        prev = off + size
    lines.append({"type": 2, "payload": base64.b64encode(tar[prev:]).decode(), "position": len(lines)})
    return gzip.compress("".join(json.dumps(x, separators=(",", ":")) + "\n" for x in lines).encode())


def extract(tar: bytes, dest: Path) -> None:
    """The layer's files as overlay2 keeps them (whiteouts left out: they are not read)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
        for m in tf.getmembers():
            base = m.name.rsplit("/", 1)[-1]
            if base.startswith(".wh."):
                continue
            p = dest / m.name
            if m.isdir():
                p.mkdir(parents=True, exist_ok=True)
                continue
            p.parent.mkdir(parents=True, exist_ok=True)
            if p.is_symlink() or p.exists():
                p.unlink()
            if m.issym():
                os.symlink(m.linkname, p)
            elif m.islnk():
                os.link(dest / m.linkname, p)
            else:
                p.write_bytes(tf.extractfile(m).read())


def sha(b: bytes) -> str:
    return "sha256:" + hashlib.sha256(b).hexdigest()


def make_store(root: Path, tars: list[bytes], config: dict[str, Any]) -> str:
    """The store of one image; returns its ID (sha256 of the config bytes)."""
    cfg = json.dumps(config).encode()
    img = root / "image" / "overlay2"
    (img / "imagedb" / "content" / "sha256").mkdir(parents=True, exist_ok=True)
    (img / "imagedb" / "content" / "sha256" / sha(cfg)[7:]).write_bytes(cfg)
    chain = None
    for i, t in enumerate(tars):
        d = sha(t)
        chain = d if chain is None else sha(f"{chain} {d}".encode())
        ldir = img / "layerdb" / "sha256" / chain[7:]
        ldir.mkdir(parents=True, exist_ok=True)
        cache = hashlib.sha256(f"cache {chain}".encode()).hexdigest()[:25]
        (ldir / "diff").write_text(d)
        (ldir / "cache-id").write_text(cache)
        (ldir / "size").write_text(str(len(t)))
        (ldir / "tar-split.json.gz").write_bytes(tar_split(t))
        extract(t, root / "overlay2" / cache / "diff")
    return sha(cfg)


def layer_dir(root: Path, tars: list[bytes], i: int) -> tuple[Path, Path]:
    """(layerdb directory, diff directory) of layer ``i``."""
    chain = None
    for t in tars[: i + 1]:
        chain = sha(t) if chain is None else sha(f"{chain} {sha(t)}".encode())
    ldir = root / "image" / "overlay2" / "layerdb" / "sha256" / chain[7:]
    return ldir, root / "overlay2" / (ldir / "cache-id").read_text() / "diff"
