"""``docker:NAME`` read from the daemon's own store (golayer.image.dockerstore).

The report must be the one the daemon's export gives, and the one of a ``docker save`` archive:
same entries, bytes, binaries, findings. Hermetic tests use a store written by tests/image/storefix.py;
the ``docker`` tests load generated images into the real daemon and compare the three readings."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import uuid

import pytest

from golayer.errors import InputError
from golayer.image import dockerstore, sources
from golayer.image.analyse import analyse
from tests.image import gobuild
from tests.image.binhelpers import elf_stub
from tests.image.helpers import Layer, config_for, docker_archive
from tests.image.storefix import layer_dir, make_store

NAME = "golayer-test-store:latest"


def _layers(app: bytes) -> list[bytes]:
    base = (Layer().dir("etc").file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
            .file("etc/os-release", b'ID=debian\nVERSION_ID="12"\n')
            .file("usr/bin/app", app, mode=0o755).hardlink("usr/bin/app2", "usr/bin/app")
            .file("usr/lib/libfoo.so.1", elf_stub(), mode=0o644).symlink("usr/lib/libfoo.so", "libfoo.so.1")
            .file("usr/share/doc/a.txt", 3333).file("usr/share/big/x.bin", 20000).file("app/config", 500)
            .dir("opt/real").symlink("opt/ln", "real").file("opt/ln/tool", app, mode=0o755)
            .file("deep/" + "d" * 120 + "/long-name.txt", 77)  # a pax path
            .file("root/.git-credentials", b"https://u:tok@example.com\n", mode=0o600))
    top = (Layer().whiteout("usr/share/doc/a.txt").opaque("usr/share/big").file("usr/share/big/y.bin", 10)
           .file("app/config", 42).dir("data").file("data/one.bin", 123456))
    empty = Layer().tar()
    return [base.tar(), top.tar(), empty, empty, Layer().file("usr/local/bin/svc", app, mode=0o755).tar()]


def _report(cli, ref: str, *extra: str) -> dict:
    r = cli(["image", ref, "-f", "json", "--no-progress", *extra])
    assert r.code in (0, 1), r.err
    return json.loads(r.out)


def _same(a: dict, b: dict) -> tuple[str, str]:
    """Both reports as text with what names the source (ref, kind, note, timing) taken out."""
    out = []
    for d in (a, b):
        ref = d["image"]["ref"]
        d = json.loads(json.dumps(d).replace(json.dumps(ref)[1:-1], "REF"))
        d["image"].pop("source"), d["image"].pop("source_note"), d["summary"].pop("seconds")
        out.append(json.dumps(d, indent=1, sort_keys=True))
    return out[0], out[1]


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A store holding NAME, served to dockerstore as the daemon would describe it."""
    app = elf_stub()

    def make(tars: list[bytes] | None = None, **kw) -> tuple:
        tars = tars or _layers(app)
        cfg = config_for(tars, **kw)
        root = tmp_path / "docker"
        image_id = make_store(root, tars, cfg)
        info = {"Driver": "overlay2", "DockerRootDir": str(root), "DriverStatus": [["Backing Filesystem", "extfs"]]}
        monkeypatch.setattr(dockerstore, "daemon_facts", lambda name: (info, {"Id": image_id}, None))
        monkeypatch.setattr(dockerstore, "_is_root", lambda: True)
        exports = []

        def no_export(name):
            exports.append(name)
            raise AssertionError("the export was read")

        monkeypatch.setattr(sources, "_daemon_reader", no_export)
        archive = docker_archive(tmp_path / "img.tar", tars, config=cfg, tags=[NAME])
        return root, tars, archive, exports

    return make


def test_store_report_equals_the_archive_report(store, cli):
    root, tars, archive, exports = store()
    a, b = _same(_report(cli, f"docker:{NAME}"), _report(cli, f"docker-archive:{archive}"))
    assert a == b
    rep = _report(cli, f"docker:{NAME}", "--verify")
    assert "daemon's storage" in rep["image"]["source_note"] and "checked against their diff_ids" in \
        rep["image"]["source_note"]
    assert exports == []


def test_store_reads_the_layers_files_lazily_and_safely(store):
    root, tars, _archive, _ = store()
    ana = analyse(f"docker:{NAME}")
    assert "not hashed" in ana.source_note
    t = ana.tree
    assert t.read(t.get("/etc/passwd")).startswith(b"root:x:0:0")
    assert t.read(t.get("/opt/ln/tool"), 4) == b"\x7fELF"  # a symlinked directory inside the layer
    _ldb, diff = layer_dir(root, tars, 0)
    # the file in the store became a symlink out of the store: never followed
    os.unlink(diff / "etc/passwd")
    os.symlink("/etc/hostname", diff / "etc/passwd")
    with pytest.raises(InputError, match="from the Docker daemon's storage"):
        t.read(t.get("/etc/passwd"))
    # a file of another size than its header says
    (diff / "etc/os-release").write_bytes(b"ID=alpine\n")
    with pytest.raises(InputError, match="10 bytes there, 26 in the layer's header"):
        t.read(t.get("/etc/os-release"))


def test_open_beneath_keeps_symlinks_inside_the_layer(tmp_path):
    root = tmp_path / "diff"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "f").write_bytes(b"inside")
    (tmp_path / "f").write_bytes(b"outside")
    os.symlink("/sub", root / "abs")
    os.symlink("../../..", root / "up")
    os.symlink("sub/f", root / "lnk")
    for rel, want in (("abs/f", b"inside"), ("up/sub/f", b"inside"), ("sub/../sub/f", b"inside")):
        fd = dockerstore.open_beneath(str(root), rel)
        try:
            assert os.read(fd, 100) == want, rel
        finally:
            os.close(fd)
    with pytest.raises(OSError):
        dockerstore.open_beneath(str(root), "up/f")  # would be tmp_path/f outside: resolved inside, absent
    with pytest.raises(OSError):
        dockerstore.open_beneath(str(root), "lnk")  # the last component is never followed


@pytest.mark.parametrize("damage, why", [
    ("config", "does not hash to the image ID"),
    ("diff", "its diff file says"),
    ("split", "tar-split and its headers disagree"),
    ("twice", "is in the layer twice"),
    ("nosplit", "cannot open"),
    ("longline", "a line longer than"),
    ("driver", "not overlay2"),
])
def test_a_store_that_does_not_check_out_is_not_read(store, damage, why, monkeypatch):
    tars = None
    if damage == "twice":
        tars = [Layer().file("a.txt", 10).file("a.txt", 12).tar()]
    root, tars, archive, exports = store(tars)
    ldb, _diff = layer_dir(root, tars, 0)
    if damage == "config":
        cfgs = list((root / "image/overlay2/imagedb/content/sha256").iterdir())
        cfgs[0].write_bytes(cfgs[0].read_bytes().replace(b"step 0", b"step X"))
    elif damage == "diff":
        (ldb / "diff").write_text("sha256:" + "0" * 64)
    elif damage == "split":
        lines = gzip.decompress((ldb / "tar-split.json.gz").read_bytes()).decode().splitlines()
        i = next(i for i, ln in enumerate(lines) if '"size":' in ln)
        e = json.loads(lines[i])
        lines[i] = json.dumps({**e, "size": e["size"] + 1024})  # no longer the size its header says
        (ldb / "tar-split.json.gz").write_bytes(gzip.compress("\n".join(lines).encode() + b"\n"))
    elif damage == "longline":  # tar-split is decoded as a stream: one line is bounded, not a whole layer
        line = b'{"type":2,"payload":"' + b"A" * (9 << 20) + b'","position":0}\n'
        (ldb / "tar-split.json.gz").write_bytes(gzip.compress(line))
    elif damage == "nosplit":
        (ldb / "tar-split.json.gz").unlink()
    elif damage == "driver":
        info, img, _ = dockerstore.daemon_facts(NAME)
        monkeypatch.setattr(dockerstore, "daemon_facts", lambda n: ({**info, "Driver": "btrfs"}, img, None))
    got = dockerstore.try_load(NAME, None)
    assert isinstance(got, str) and why in got, got
    # the analysis goes on with the export, and says so
    fh = open(archive, "rb")
    monkeypatch.setattr(sources, "_daemon_reader", lambda name: (fh.read, fh.close))
    ana = analyse(f"docker:{NAME}")
    assert ana.source_note.startswith("read from the daemon's export stream: ") and why in ana.source_note


def test_verify_rehashes_the_reassembled_layers(store):
    root, tars, _archive, _ = store()
    _ldb, diff = layer_dir(root, tars, 1)
    analyse(f"docker:{NAME}", verify=True)
    data = (diff / "data/one.bin").read_bytes()
    (diff / "data/one.bin").write_bytes(b"Z" + data[1:])  # same size, other content
    analyse(f"docker:{NAME}")  # not hashed without --verify (the note says so)
    with pytest.raises(InputError, match="diff_id mismatch.*re-assembled from the Docker daemon's storage"):
        analyse(f"docker:{NAME}", verify=True)


def test_switched_off_by_environment(monkeypatch):
    monkeypatch.setenv(dockerstore.ENV, "0")
    assert dockerstore.try_load(NAME, None) == f"{dockerstore.ENV}=0"


def test_export_tags_follow_the_daemons_export():
    i = "sha256:" + "a" * 64
    assert dockerstore.export_tags("alpine:3.18", i, None) == ["alpine:3.18"]
    assert dockerstore.export_tags("docker.io/library/alpine:3.18", i, None) == ["alpine:3.18"]
    assert dockerstore.export_tags("localhost:5000/x/y:t", i, None) == ["localhost:5000/x/y:t"]
    assert dockerstore.export_tags("alpine@sha256:" + "b" * 64, i, None) == []
    assert dockerstore.export_tags("a" * 64, i, None) == []
    assert dockerstore.export_tags("sha256:aaaa", i, None) == []
    imgs = [{"Id": i, "RepoTags": ["alpine:b", "alpine:a", "other:z"], "RepoDigests": []}]
    assert dockerstore.export_tags("alpine", i, imgs) == ["alpine:a", "alpine:b"]
    assert dockerstore.export_tags("aaaa", i, []) == []  # an ID prefix
    two = imgs + [{"Id": "sha256:" + "c" * 64, "RepoTags": ["alpine:c"], "RepoDigests": []}]
    assert dockerstore.export_tags("alpine", i, two) is None


# ---- the real daemon -------------------------------------------------------------------------------

@pytest.mark.docker
def test_real_daemon_store_export_and_save_give_one_report(tmp_path, docker, go, cli, monkeypatch):
    app = gobuild.build("static").read_bytes()
    repo = f"golayer-test-store-{uuid.uuid4().hex[:8]}"
    tars = _layers(app)
    cfg = config_for(tars, entrypoint=["/usr/local/bin/svc"], user="1000")
    archive = docker_archive(tmp_path / "in.tar", tars, config=cfg, tags=[f"{repo}:one"])
    # (a layer holding a path twice cannot be loaded: "duplicates of file paths not supported")
    try:
        subprocess.run([docker, "load", "-i", str(archive)], check=True, capture_output=True, timeout=300)
        subprocess.run([docker, "tag", f"{repo}:one", f"{repo}:latest"], check=True, timeout=60)
        image_id = subprocess.run([docker, "image", "inspect", "-f", "{{.Id}}", f"{repo}:one"], check=True,
                                  capture_output=True, text=True, timeout=60).stdout.strip()
        ctx = tmp_path / "ctx"
        (ctx / "d").mkdir(parents=True)
        (ctx / "d" / "svc").write_bytes(app)
        (ctx / "d" / "conf").write_bytes(b"x" * 4242)
        (ctx / "Dockerfile").write_text(f"FROM {repo}:one\nCOPY d/svc /usr/local/bin/svc\nCOPY d /opt/real/\n")
        for builder in ("1", "0"):  # layers the daemon made itself: BuildKit's and the legacy builder's
            r = subprocess.run([docker, "build", "-q", "-t", f"{repo}-built:{builder}", str(ctx)], capture_output=True,
                               text=True, env={**os.environ, "DOCKER_BUILDKIT": builder}, timeout=300)
            assert r.returncode == 0, r.stderr
        saved = tmp_path / "saved.tar"
        subprocess.run([docker, "save", "-o", str(saved), f"{repo}:one"], check=True, timeout=300)
        want = _report(cli, f"docker-archive:{saved}")
        for ref in (f"{repo}:one", repo, image_id, image_id[7:19], f"{repo}-built:1", f"{repo}-built:0"):
            monkeypatch.delenv(dockerstore.ENV, raising=False)
            via_store = _report(cli, f"docker:{ref}")
            assert "daemon's storage" in via_store["image"]["source_note"], (ref, via_store["image"])
            monkeypatch.setenv(dockerstore.ENV, "0")
            via_export = _report(cli, f"docker:{ref}")
            assert via_export["image"]["source_note"].endswith(f"{dockerstore.ENV}=0")
            a, b = _same(via_store, via_export)
            assert a == b, ref
            if ref == f"{repo}:one":
                a, b = _same(via_store, want)
                assert a == b
        assert via_store["summary"]["wasted_bytes"] > 0 and via_store["binaries"]
        monkeypatch.delenv(dockerstore.ENV, raising=False)
        rep = _report(cli, f"docker:{repo}:one", "--verify")
        assert "checked against their diff_ids" in rep["image"]["source_note"]
    finally:
        subprocess.run([docker, "rmi", "-f", f"{repo}:one", f"{repo}:latest", f"{repo}-built:1", f"{repo}-built:0"],
                       capture_output=True, timeout=120)


@pytest.mark.parametrize("answer, want", [
    (b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"Id\": 1}", (200, {"Id": 1})),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n: 2\r\n1\r\n}\r\n0\r\n\r\n",
     (200, {"a": 2})),
    (b"HTTP/1.0 404 Not Found\r\n\r\n{\"message\": \"no such image\"}", (404, None)),
])
def test_daemon_api_answers_are_read_without_http_client(tmp_path, answer, want):
    import socket
    import threading

    path = str(tmp_path / "d.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    asked = []

    def serve():
        c, _ = srv.accept()
        asked.append(c.recv(4096))
        c.sendall(answer)
        c.close()

    t = threading.Thread(target=serve)
    t.start()
    try:
        assert dockerstore.get_json(path, "/images/x:1/json", timeout=10) == want
    finally:
        t.join(10)
        srv.close()
    assert asked[0].startswith(b"GET /images/x:1/json HTTP/1.0\r\n")
