"""``containerd:NAME``: an image from containerd's content store, read on disk, without the daemon.

containerd keeps image *names* in its metadata database (``ROOT/io.containerd.metadata.v1.bolt/
meta.db``, bbolt: ``v1/<namespace>/images/<name>/target/{digest,mediatype}``) and the *blobs*
(indexes, manifests, configs, compressed layers) as plain files under
``ROOT/io.containerd.content.v1.content/blobs/sha256/``, which is exactly the ``blobs/`` half of an
OCI layout. golayer reads both read-only (:mod:`golayer.image.boltdb`) and hands the blobs to the
OCI layout code, so the index walk, ``--platform`` choice, digest checks and layer reading are the
same as for ``oci:DIR``. No daemon, socket or ``ctr`` is needed -- only read access to ROOT
(root, usually).

* ROOT: ``--containerd-root`` / ``GOLAYER_CONTAINERD_ROOT``, default ``/var/lib/containerd``.
* Namespace: ``--namespace`` / ``GOLAYER_CONTAINERD_NAMESPACE``; default ``k8s.io`` then
  ``default`` (what crictl and nerdctl users expect), the first that holds the name.
* NAME: as stored (``docker.io/library/alpine:3.19``); a short name (``alpine:3.19``) is also
  tried in its normalised form, as nerdctl writes it.
* Platforms whose blobs are not in the store (containerd pulls one platform by default) are
  left out of the index; without ``--platform`` the machine's platform is chosen.
* Layers that containerd discarded after unpacking (CRI ``discard_unpacked_layers``) are missing
  blobs: a clear error, since the snapshots hold extracted files, not layer tars.
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable

from golayer.errors import InputError
from golayer.image.sources import _DirStore

DEFAULT_ROOT = "/var/lib/containerd"
DEFAULT_NAMESPACES = ("k8s.io", "default")


def _candidates(name: str) -> list[str]:
    out = [name]
    try:
        from golayer.image.registry import parse

        r = parse(name)
        full = f"{r.host}/{r.repo}" + (f":{r.tag}" if r.tag else "") + (f"@{r.digest}" if r.digest else "")
        if full not in out:
            out.append(full)
    except Exception:  # not a valid reference: only the name as given
        pass
    return out


def find_target(root: str, name: str, namespace: str | None) -> tuple[str, dict[str, Any]]:
    """(namespace, target descriptor) of image ``name``."""
    from golayer.image.boltdb import Bolt

    db_path = os.path.join(root, "io.containerd.metadata.v1.bolt", "meta.db")
    if not os.path.exists(db_path):
        raise InputError(f"no containerd metadata at {db_path}",
                         hint="give containerd's root with --containerd-root (or GOLAYER_CONTAINERD_ROOT)")
    db = Bolt(db_path)
    try:
        namespaces = [namespace] if namespace else list(DEFAULT_NAMESPACES)
        seen: dict[str, list[str]] = {}
        for ns in namespaces:
            images = db.path_get(b"v1", ns.encode(), b"images")
            if images is None:
                continue
            seen[ns] = [k.decode("utf-8", "replace") for k in images]
            for cand in _candidates(name):
                hit = images.get(cand.encode())
                if hit is None or not hit[1]:
                    continue
                img = db.bucket(hit[0])
                tgt = img.get(b"target")
                if tgt is None or not tgt[1]:
                    raise InputError(f"containerd image {cand} (namespace {ns}) has no target descriptor")
                t = db.bucket(tgt[0])
                digest = t.get(b"digest", (b"", False))[0].decode("ascii", "replace")
                mt = t.get(b"mediatype", (b"", False))[0].decode("ascii", "replace")
                return ns, {"digest": digest, "mediaType": mt or None, "name": cand}
        where = ", ".join(f"{ns}: {len(v)} image{'s' if len(v) != 1 else ''}" for ns, v in seen.items()) or \
            "no such namespace"
        near = sorted({n for v in seen.values() for n in v if name.split(":")[0].split("/")[-1] in n})[:5]
        raise InputError(f"containerd at {root} holds no image {name} in namespace "
                         f"{' or '.join(namespaces)} ({where})",
                         hint=("similar: " + ", ".join(near)) if near else "choose the namespace with --namespace")
    finally:
        db.close()


def load(target: str, platform: str | None, verify: bool | None, progress: Callable[[str], None] | None):
    from golayer.image import sources
    from golayer.image.remote import source_options
    from golayer.image.registry import machine_platform

    opts = source_options()
    root = opts.get("containerd_root") or os.environ.get("GOLAYER_CONTAINERD_ROOT") or DEFAULT_ROOT
    namespace = opts.get("namespace") or os.environ.get("GOLAYER_CONTAINERD_NAMESPACE") or None
    ns, desc = find_target(root, target, namespace)
    content = os.path.join(root, "io.containerd.content.v1.content")
    where = f"containerd:{desc['name']}"
    store = _Store(content, where, desc)
    loaded = sources.load_oci(store, "containerd", where, platform, verify, progress,
                              default_platform=machine_platform())
    loaded.note = f"read from containerd's content store at {root} (namespace {ns}), without the daemon"  # type: ignore[attr-defined]
    loaded.tags = [desc["name"]]
    return loaded


class _Store(_DirStore):
    """containerd's content directory as an OCI layout whose index.json is the image's target."""

    def __init__(self, path: str, where: str, desc: dict[str, Any]):
        super().__init__(path)
        self.where = where
        self.desc = desc

    def has(self, name: str) -> bool:
        return name == "index.json" or super().has(name)

    def read_bytes(self, name: str, what: str) -> bytes:
        from golayer.image.sources import INDEX_TYPES, MAX_JSON, _blob_name

        if name == "index.json":
            d = {"digest": self.desc["digest"]}
            if self.desc.get("mediaType"):
                d["mediaType"] = self.desc["mediaType"]
            top = [d]
            if d.get("mediaType") in INDEX_TYPES:  # keep the platforms whose manifests are in the store
                from golayer.image import shapes

                doc = shapes.check(shapes.load_json(self.read_bytes(_blob_name(d["digest"]), "image index"),
                                                    f"{self.where}: image index"), shapes.INDEX,
                                   f"{self.where}: image index")
                top = [m for m in doc.get("manifests") or [] if isinstance(m, dict) and
                       super().has(_blob_name(m.get("digest", "")))] or top
            return json.dumps({"schemaVersion": 2, "manifests": top}).encode()
        try:
            fd, off, size = self.get(name)
        except KeyError:
            raise InputError(f"{self.where}: {what} {name} is not in containerd's content store",
                             hint="containerd may have discarded it (partial pull or discard_unpacked_layers)") from None
        if size > MAX_JSON:
            raise InputError(f"{self.where}: {what} ({name}) is implausibly large: {size} bytes")
        from golayer.image.tarstream import pread_all

        return pread_all(fd, size, off)
