"""`golayer image podman:NAME`: Debian's podman with a private store (vfs, temporary root), images put
there with `podman load`; golayer reads podman's own export stream."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.image import helpers as H

PODMAN = shutil.which("podman")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    if not PODMAN:
        pytest.skip("PODMAN UNAVAILABLE: podman not installed (apt-get install podman)")
    d = tmp_path_factory.mktemp("podman")
    conf = d / "storage.conf"
    conf.write_text(f'[storage]\ndriver = "vfs"\ngraphroot = "{d}/graph"\nrunroot = "{d}/run"\n')
    mp = pytest.MonkeyPatch()
    mp.setenv("CONTAINERS_STORAGE_CONF", str(conf))
    layers = [H.Layer().dir("etc").file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
              H.Layer().file("app/big", 150_000), H.Layer().whiteout("app/big")]
    arc = H.docker_archive(d / "img.tar", layers, tags=["golayer-test/app:1"])
    r = subprocess.run([PODMAN, "load", "-i", str(arc)], capture_output=True, text=True)
    if r.returncode != 0:
        mp.undo()
        pytest.fail(f"podman load failed: {r.stderr[-1000:]}")
    yield arc
    mp.undo()


def test_podman_image_matches_its_docker_archive(cli, store):
    res = cli(["image", "podman:golayer-test/app:1", "--format", "json", "--fail-on", "error"])
    assert res.code in (0, 1), res.err
    data = json.loads(res.out)
    ref = json.loads(cli(["image", f"docker-archive:{store}", "--format", "json", "--fail-on", "error"]).out)
    assert data["image"]["source"] == "podman" and "podman" in data["image"]["source_note"]
    for k in ("total_bytes", "visible_bytes", "wasted_bytes", "layers", "visible_files"):
        assert data["summary"][k] == ref["summary"][k]
    assert data["summary"]["wasted_bytes"] == 150_000


def test_podman_missing_image_and_wrong_platform(cli, store):
    res = cli(["image", "podman:golayer-test/nothing:1"])
    assert res.code == 2 and "podman holds no image golayer-test/nothing:1" in res.err
    res = cli(["image", "podman:golayer-test/app:1", "--platform", "linux/arm64"])
    assert res.code == 2 and "not linux/arm64" in res.err
