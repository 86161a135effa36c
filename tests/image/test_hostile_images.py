"""Hostile and careless images (issue 10): every input is built here, small, and golayer runs in a
child process under a memory and a time limit. Each must end in a clear one-line error (exit 2)
or a bounded, exact result -- never exit 3, a traceback, or an exhausted machine."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest

from tests.image.helpers import Layer, docker_archive, oci_image, raw_header, raw_tar, sha, write_oci
from tests.image.hostile import clear_error, run_limited


def _json_report(r):
    assert r.code in (0, 1), r.err[-2000:]
    return json.loads(r.out)


# ---- 3. one very deep path --------------------------------------------------------------------

def test_very_deep_path_is_refused_over_path_max(tmp_path):
    # d/d/.../f at depth 60,000: a 133 KB archive whose implicit parents once cost 7 GB
    deep = "d/" * 60_000 + "f"
    lay = Layer().file(deep, b"x")
    p = docker_archive(tmp_path / "deep.tar", [lay])
    assert p.stat().st_size < 300_000
    r = run_limited(["image", str(p)], timeout=30)
    clear_error(r, "PATH_MAX")


@pytest.mark.parametrize("members", [5, 40])
def test_deep_paths_under_path_max_are_bounded(tmp_path, members):
    # members just under 4096 bytes in distinct trees, no directories listed: every implied parent
    # costs its whole path (~8 MB per member); a budget keeps that bounded with a clear message
    lay = Layer()
    for i in range(members):
        lay.file(f"t{i:02d}/" + "d/" * 2000 + "f", b"x")
    p = docker_archive(tmp_path / "deep.tar", [lay])
    r = run_limited(["image", str(p), "-f", "json"], timeout=60, mem=1 << 30)
    if members == 5:
        assert _json_report(r)["summary"]["total_bytes"] == 5
    else:
        clear_error(r, "parent directory paths", "GOLAYER_MAX_IMPLICIT_DIR_BYTES")


# ---- 4. OCI index fan-out ---------------------------------------------------------------------

def test_index_fan_out_is_visited_once_per_digest(tmp_path):
    desc, blobs = oci_image([Layer().file("app", 3)])
    child = desc
    for _ in range(8):  # each index lists the next one 10 times: 10**8 leaves without de-duplication
        ib = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                         "manifests": [child] * 10}).encode()
        blobs[sha(ib)] = ib
        child = {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": sha(ib), "size": len(ib)}
    write_oci(tmp_path, [child], blobs)
    r = run_limited(["image", f"oci:{tmp_path}", "-f", "json"], timeout=30)
    assert _json_report(r)["summary"]["total_bytes"] == 3


def test_index_with_too_many_distinct_manifests_is_refused(tmp_path):
    blobs: dict = {}
    descs = []
    for i in range(60):
        ib = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                         "manifests": [], "annotations": {"n": str(i)}}).encode()
        blobs[sha(ib)] = ib
        descs.append({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": sha(ib), "size": len(ib)})
    write_oci(tmp_path, descs, blobs)
    r = run_limited(["image", f"oci:{tmp_path}"], env={"GOLAYER_MAX_MANIFESTS": "50"})
    clear_error(r, "more than 50 manifests", "GOLAYER_MAX_MANIFESTS")


# ---- 5. one layer listed many times -----------------------------------------------------------

def _many_files(n: int) -> bytes:
    return raw_tar(*[(raw_header(f"d{i % 50}/f{i}", 1), b"x") for i in range(n)])


@pytest.mark.parametrize("layout", ["oci", "docker"])
def test_repeated_layer_is_read_once_and_counted_per_position(tmp_path, layout):
    t = _many_files(1000)
    reps = 200
    if layout == "oci":
        desc, blobs = oci_image([t] * reps, compression="zstd")
        ref = f"oci:{write_oci(tmp_path, [desc], blobs)}"
    else:
        ref = str(docker_archive(tmp_path / "rep.tar", [t] * reps))
    r = run_limited(["image", ref, "-f", "json"], timeout=60)
    doc = _json_report(r)
    s = doc["summary"]
    # as Docker stacks it: one extraction per position; every lower copy is hidden by the next
    assert s["layers"] == reps and s["total_bytes"] == 1000 * reps
    assert s["visible_bytes"] == 1000 and s["wasted_bytes"] == 1000 * (reps - 1)
    assert [x["hidden_bytes"] for x in doc["layers"]] == [0] + [1000] * (reps - 1)


def test_too_many_layers_are_refused_before_reading(tmp_path):
    desc, blobs = oci_image([Layer().file("x", 1)] * 1001, compression="zstd")
    ref = f"oci:{write_oci(tmp_path, [desc], blobs)}"
    r = run_limited(["image", ref], timeout=30)
    clear_error(r, "1001 layers", "GOLAYER_MAX_LAYERS")


def test_stacked_entries_are_bounded(tmp_path):
    desc, blobs = oci_image([_many_files(2000)] * 20, compression="gzip")
    ref = f"oci:{write_oci(tmp_path, [desc], blobs)}"
    r = run_limited(["image", ref], env={"GOLAYER_MAX_ENTRIES": "30000"})
    clear_error(r, "more than 30,000 entries", "GOLAYER_MAX_ENTRIES")


# ---- 16. file descriptors of an OCI directory ---------------------------------------------------

@pytest.mark.parametrize("compression", [None, "gzip"])
def test_oci_directory_needs_no_descriptor_per_layer(tmp_path, compression):
    layers = [Layer().file(f"f{i}", i + 1) for i in range(60)]
    layers.append(Layer().file("etc/passwd", b"root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"))
    desc, blobs = oci_image(layers, compression=compression, user="app")
    ref = f"oci:{write_oci(tmp_path, [desc], blobs)}"
    r = run_limited(["image", ref, "-f", "json"], nofile=64)
    doc = _json_report(r)
    assert doc["summary"]["layers"] == 61
    assert doc["summary"]["total_bytes"] == sum(range(1, 61)) + len(layers[-1].items[0][1])
    # a file read after loading (the passwd the user check needs) still reads through its path
    assert not any(f["rule"] == "runs-as-root" for f in doc["findings"])


# ---- 14. malformed metadata: exit 2, never 3 --------------------------------------------------

def _docker_with(tmp_path, manifest=None, config=None):
    """A docker-archive whose manifest.json / config JSON is replaced by the given (raw) value."""
    t = Layer().file("app", 3).tar()
    cfg = {"architecture": "amd64", "os": "linux", "config": {}, "rootfs": {"type": "layers", "diff_ids": [sha(t)]}}
    cfg_bytes = config if isinstance(config, bytes) else json.dumps(cfg if config is None else config).encode()
    man = [{"Config": "c.json", "RepoTags": ["x:1"], "Layers": ["l/layer.tar"]}]
    man_bytes = manifest if isinstance(manifest, bytes) else json.dumps(man if manifest is None else manifest).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, data in (("l/layer.tar", t), ("c.json", cfg_bytes), ("manifest.json", man_bytes)):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    p = tmp_path / "m.tar"
    p.write_bytes(buf.getvalue())
    return str(p)


def _cfg(**over):
    c = {"architecture": "amd64", "os": "linux", "config": {}, "rootfs": {"type": "layers", "diff_ids": []}}
    c.update(over)
    return c


BAD_DOCKER = {
    "Config null": dict(manifest=[{"Config": None, "Layers": []}]),
    "manifest is a list of strings": dict(manifest=["hello"]),
    "RepoTags 5": dict(manifest=[{"Config": "c.json", "RepoTags": 5, "Layers": ["l/layer.tar"]}]),
    "Layers 5": dict(manifest=[{"Config": "c.json", "Layers": 5}]),
    "config is a list": dict(config=[1, 2]),
    "Env 5": dict(config=_cfg(config={"Env": 5})),
    "Entrypoint 5": dict(config=_cfg(config={"Entrypoint": 5})),
    "Cmd [1]": dict(config=_cfg(config={"Cmd": [1]})),
    "User 5": dict(config=_cfg(config={"User": 5})),
    "diff_ids [5]": dict(config=_cfg(rootfs={"diff_ids": [5]})),
    "rootfs 5": dict(config=_cfg(rootfs=5)),
    "history [5]": dict(config=_cfg(history=[5])),
    "200k nested [": dict(config=b"[" * 200_000),
    "not JSON": dict(manifest=b"\xff\xfe{"),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCKER))
def test_malformed_docker_metadata_is_a_clear_error(tmp_path, case):
    r = run_limited(["image", _docker_with(tmp_path, **BAD_DOCKER[case])], timeout=30)
    clear_error(r)


def _oci_with(tmp_path, index=None, manifest=None, config=None):
    desc, blobs = oci_image([Layer().file("app", 3)])
    man = json.loads(blobs[desc["digest"]])
    if config is not None:
        cb = json.dumps(config).encode()
        blobs[sha(cb)] = cb
        man["config"] = {**man["config"], "digest": sha(cb), "size": len(cb)}
    if manifest is not None:
        man = manifest(man)
    mb = json.dumps(man).encode()
    blobs[sha(mb)] = mb
    desc = {**desc, "digest": sha(mb), "size": len(mb)}
    write_oci(tmp_path, [desc], blobs)
    if index is not None:
        (tmp_path / "index.json").write_text(json.dumps(index(desc)))
    return f"oci:{tmp_path}"


BAD_OCI = {
    "index manifests 5": dict(index=lambda d: {"manifests": 5}),
    "index manifests [5]": dict(index=lambda d: {"manifests": [5]}),
    "index descriptor digest 5": dict(index=lambda d: {"manifests": [{**d, "digest": 5}]}),
    "index descriptor platform 5": dict(index=lambda d: {"manifests": [{**d, "platform": 5}]}),
    "index descriptor annotations list": dict(index=lambda d: {"manifests": [{**d, "annotations": [1]}]}),
    "index is a list": dict(index=lambda d: [d]),
    "manifest layers 5": dict(manifest=lambda m: {**m, "layers": 5}),
    "manifest layers [5]": dict(manifest=lambda m: {**m, "layers": [5]}),
    "manifest config null": dict(manifest=lambda m: {**m, "config": None}),
    "manifest config digest list": dict(manifest=lambda m: {**m, "config": {"digest": ["x"]}}),
    "manifest layer digest null": dict(manifest=lambda m: {**m, "layers": [{**m["layers"][0], "digest": None}]}),
    "config architecture 5": dict(config={"architecture": 5, "os": "linux"}),
}


@pytest.mark.parametrize("case", sorted(BAD_OCI))
def test_malformed_oci_metadata_is_a_clear_error(tmp_path, case):
    r = run_limited(["image", _oci_with(tmp_path, **BAD_OCI[case])], timeout=30)
    clear_error(r)


def test_entrypoint_string_is_read_as_docker_reads_it(tmp_path):
    ref = _docker_with(tmp_path, config=_cfg(config={"Entrypoint": "/app"},
                                                   rootfs={"diff_ids": [sha(Layer().file("app", 3).tar())]}))
    doc = _json_report(run_limited(["image", ref, "-f", "json"]))
    assert doc["image"]["entrypoint"] == ["/app"]


def test_pax_mtime_inf_is_a_clear_error(tmp_path):
    body = b"13 mtime=inf\n"  # the record's length counts itself
    t = raw_tar((raw_header("PaxHeader", len(body), b"x"), body), (raw_header("app", 1), b"x"))
    r = run_limited(["image", str(docker_archive(tmp_path / "p.tar", [t]))])
    clear_error(r, "corrupt pax record")


# ---- 21. diff_ids that cannot be verified, truncated zstd, names once -----------------------------

@pytest.mark.parametrize("diff_id", ["md5:" + "0" * 32, "sha256:XYZ"])
def test_unverifiable_diff_id_is_an_error_not_a_pass(tmp_path, diff_id):
    ref = str(docker_archive(tmp_path / "a.tar", [Layer().file("x", 3)], diff_ids=[diff_id]))
    clear_error(run_limited(["image", ref, "--verify"]), "not a sha256 digest")
    desc, blobs = oci_image([Layer().file("x", 3)], diff_ids=[diff_id])  # gzip: hashed anyway
    clear_error(run_limited(["image", f"oci:{write_oci(tmp_path, [desc], blobs)}"]), "not a sha256 digest")
    assert _json_report(run_limited(["image", ref, "--no-verify", "-f", "json"]))["summary"]["total_bytes"] == 3


def test_verify_without_diff_ids_is_an_error(tmp_path):
    ref = _docker_with(tmp_path, config=_cfg(rootfs={"type": "layers"}))
    clear_error(run_limited(["image", ref, "--verify"]), "no diff_id")
    assert _json_report(run_limited(["image", ref, "-f", "json"]))["summary"]["total_bytes"] == 3


@pytest.mark.parametrize("comp", ["zstd", "gzip"])
def test_truncated_compressed_layer_says_so_and_names_the_layer_once(tmp_path, comp):
    full = Layer().file("big", bytes(range(256)) * 400).file("after", 5).tar()
    desc, blobs = oci_image([full], compression=comp)
    man = json.loads(blobs[desc["digest"]])
    d = man["layers"][0]["digest"]
    blobs[d] = blobs[d][: len(blobs[d]) * 2 // 3]
    write_oci(tmp_path, [desc], blobs)
    r = run_limited(["image", f"oci:{tmp_path}"])
    clear_error(r, f"truncated {comp} stream")
    assert r.err.count(d[7:]) == 1, r.err


def test_zstd_frame_walk_accepts_complete_blobs(tmp_path):
    import os

    from golayer.image.tarstream import zstd_complete

    import zstandard

    data = zstandard.ZstdCompressor(write_checksum=True).compress(b"a" * 300_000 + bytes(range(256)) * 999)
    data += zstandard.ZstdCompressor(write_content_size=False).compress(b"second frame")
    p = tmp_path / "z"
    p.write_bytes(data)
    fd = os.open(p, os.O_RDONLY)
    try:
        assert zstd_complete(fd, 0, len(data))
        assert not any(zstd_complete(fd, 0, n) for n in (1, 5, 9, len(data) // 2, len(data) - 1))
    finally:
        os.close(fd)
    assert hashlib.sha256(data).hexdigest()


# ---- 9. library resolution: needed x search directories x binaries ------------------------------

def _library_maze(tmp_path, needed: int, dirs: int, binaries: int, found: bool = False):
    from tests.image.elfsynth import dynamic_go_elf

    lay = Layer().dir("real")
    for i in range(dirs):
        lay.symlink(f"l{i}", "/real")  # every LD_LIBRARY_PATH entry exists, through a symlink
    if found:
        lay.file("real/lib0.so", dynamic_go_elf([])[:64] + b"\0" * 64)
    for b in range(binaries):
        lay.file(f"app{b}", dynamic_go_elf([f"lib{i}.so" for i in range(needed)]), mode=0o755)
    env = ["LD_LIBRARY_PATH=" + ":".join(f"/l{i}" for i in range(dirs))]
    return str(docker_archive(tmp_path / "libs.tar", [lay], entrypoint=["/app0"], env=env))


def test_library_resolution_is_shared_between_binaries(tmp_path):
    ref = _library_maze(tmp_path, needed=200, dirs=200, binaries=25, found=True)
    r = run_limited(["image", ref, "-f", "json"], timeout=40)
    doc = _json_report(r)
    assert len(doc["binaries"]) == 25
    for b in doc["binaries"]:
        assert b["missing"] == ["/lib64/ld-linux-x86-64.so.2"] + [f"lib{i}.so" for i in range(1, 200)]
    assert r.seconds < 30


def test_library_resolution_work_is_bounded(tmp_path):
    ref = _library_maze(tmp_path, needed=700, dirs=400, binaries=2)  # 280,000 distinct lookups
    r = run_limited(["image", ref, "-f", "json"], timeout=60)
    doc = _json_report(r)
    assert all(b["missing"] == [] and "library resolution stopped" in b["error"] for b in doc["binaries"])
