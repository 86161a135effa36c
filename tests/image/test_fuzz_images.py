"""Fuzzing (issue 10): OCI JSON documents with fields of random types and layer tars with random
bytes in their header fields. golayer must answer each with a result or a clear error (exit 0, 1
or 2) -- never exit 3 (an internal error) -- and quickly. In-process, so hundreds of inputs fit in
a few seconds; each test stays under 20 s."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli
from tests.image.helpers import Layer, docker_archive, oci_image, sha, write_oci

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)

# where a field of a random type goes: (document, key path)
TARGETS = [
    ("index", ("manifests",)), ("index", ("manifests", 0)), ("index", ("manifests", 0, "digest")),
    ("index", ("manifests", 0, "mediaType")), ("index", ("manifests", 0, "platform")),
    ("index", ("manifests", 0, "platform", "os")), ("index", ("manifests", 0, "annotations")),
    ("manifest", ("config",)), ("manifest", ("config", "digest")), ("manifest", ("layers",)),
    ("manifest", ("layers", 0)), ("manifest", ("layers", 0, "digest")), ("manifest", ("layers", 0, "mediaType")),
    ("manifest", ("mediaType",)), ("config", ("config",)), ("config", ("config", "Env")),
    ("config", ("config", "Entrypoint")), ("config", ("config", "Cmd")), ("config", ("config", "User")),
    ("config", ("config", "WorkingDir")), ("config", ("rootfs",)), ("config", ("rootfs", "diff_ids")),
    ("config", ("rootfs", "diff_ids", 0)), ("config", ("history",)), ("config", ("history", 0)),
    ("config", ("history", 0, "created_by")), ("config", ("history", 0, "empty_layer")),
    ("config", ("architecture",)), ("config", ("os",)), ("config", ()),
]


def _put(doc, path, value):
    if not path:
        return value
    cur = doc
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value
    return doc


def _oci(root: Path, target: tuple, value) -> str:
    which, path = target
    desc, blobs = oci_image([Layer().file("app", b"\x7fELF" + b"\0" * 60, mode=0o755).file("etc/passwd", b"x")],
                            entrypoint=["/app"], env=["PATH=/bin"])
    man = json.loads(blobs[desc["digest"]])
    if which == "config":
        cfg = _put(json.loads(blobs[man["config"]["digest"]]), path, value)
        cb = json.dumps(cfg).encode()
        blobs[sha(cb)] = cb
        man["config"]["digest"] = sha(cb)
    if which in ("config", "manifest"):
        if which == "manifest":
            man = _put(man, path, value)
        mb = json.dumps(man).encode()
        blobs[sha(mb)] = mb
        desc = {**desc, "digest": sha(mb), "size": len(mb)}
    write_oci(root, [desc], blobs)
    if which == "index":
        index = _put(json.loads((root / "index.json").read_text()), path, value)
        (root / "index.json").write_text(json.dumps(index))
    return f"oci:{root}"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.sampled_from(TARGETS), value=JSON)
def test_oci_json_of_any_shape_is_a_result_or_a_clear_error(target, value):
    with tempfile.TemporaryDirectory() as d:
        ref = _oci(Path(d), target, value)
        t0 = time.perf_counter()
        r = run_cli(["image", ref, "-f", "json"])
        assert r.code in (0, 1, 2), (target, value, r.err)
        assert r.code != 2 or r.err.startswith("golayer: error: "), r.err
        assert time.perf_counter() - t0 < 5


# header fields of a ustar block: (offset, length)
FIELDS = [(0, 100), (100, 8), (108, 8), (116, 8), (124, 12), (136, 12), (148, 8), (156, 1), (157, 100),
          (257, 6), (263, 2), (345, 155), (0, 512)]
_BASE = (Layer().dir("usr").file("usr/a", 700).symlink("usr/l", "a").hardlink("usr/h", "usr/a")
         .file("x" * 120, 3).file(".wh.gone", b"").file("usr/bin/app", b"\x7fELF" + b"\1" * 200, mode=0o755)).tar()


def _headers(tar: bytes) -> list[int]:
    offs, off = [], 0
    while off + 512 <= len(tar) and tar[off:off + 512] != bytes(512):
        offs.append(off)
        try:
            size = int(tar[off + 124:off + 136].rstrip(b"\0 ") or b"0", 8)
        except ValueError:
            break
        off += 512 + (size + 511) // 512 * 512
    return offs


_OFFS = _headers(_BASE)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, len(_OFFS) - 1), field=st.sampled_from(FIELDS), data=st.binary(min_size=1, max_size=512),
       fix_checksum=st.booleans(), gzip=st.booleans())
def test_tar_headers_with_random_bytes_are_a_result_or_a_clear_error(which, field, data, fix_checksum, gzip):
    start, length = field
    b = bytearray(_BASE)
    h = _OFFS[which]
    chunk = (data * (length // len(data) + 1))[:length]
    b[h + start:h + start + length] = chunk
    if fix_checksum:
        b[h + 148:h + 156] = b" " * 8
        b[h + 148:h + 156] = f"{sum(b[h:h + 512]):06o}\0 ".encode()
    with tempfile.TemporaryDirectory() as d:
        if gzip:
            desc, blobs = oci_image([bytes(b)], compression="gzip")
            ref = f"oci:{write_oci(Path(d), [desc], blobs)}"
        else:
            ref = str(docker_archive(Path(d) / "a.tar", [bytes(b)]))
        t0 = time.perf_counter()
        r = run_cli(["image", ref, "-f", "json"])
        assert r.code in (0, 1, 2), (which, field, data, r.err)
        assert r.code != 2 or r.err.startswith("golayer: error: "), r.err
        assert time.perf_counter() - t0 < 5
