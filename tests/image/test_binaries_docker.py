"""Proof on a real daemon that the binary checks predict what containers do.

Each case imports a tiny rootfs (no registry needed: `docker import` of a tar written here),
runs it, and compares with golayer's findings for the same file tree."""

from __future__ import annotations

import io
import subprocess
import tarfile
import uuid

import pytest

from golayer.rules.image import binary_missing_interpreter, missing_zoneinfo
from tests.image import gobuild
from tests.image.binhelpers import analyse, findings
from tests.image.fakefs import FakeTree

pytestmark = [pytest.mark.docker, pytest.mark.go]


def rootfs_tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path, data in files.items():
            ti = tarfile.TarInfo(path.lstrip("/"))
            ti.size, ti.mode = len(data), 0o755
            tar.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def run_image(docker: str, files: dict[str, bytes]) -> subprocess.CompletedProcess:
    name = f"golayer-test-gobinary-{uuid.uuid4().hex[:10]}"
    subprocess.run([docker, "import", "--change", 'ENTRYPOINT ["/app"]', "-", name],
                   input=rootfs_tar(files), capture_output=True, check=True, timeout=120)
    try:
        return subprocess.run([docker, "run", "--rm", "--network=none", name], capture_output=True,
                              text=True, timeout=120)
    finally:
        subprocess.run([docker, "rmi", "-f", name], capture_output=True, timeout=60)


def test_dynamic_binary_on_scratch_fails_as_the_finding_says(docker, go):
    data = gobuild.build("cgo-dynamic").read_bytes()
    [f] = findings(binary_missing_interpreter, analyse(FakeTree().file("/app", data)))
    r = run_image(docker, {"/app": data})
    assert r.returncode != 0
    assert "exec /app: no such file or directory" in r.stderr + r.stdout
    assert "exec /app: no such file or directory" in f.message
    # and the static build of the same program runs
    static = gobuild.build("cgo-netgo").read_bytes()
    assert findings(binary_missing_interpreter, analyse(FakeTree().file("/app", static))) == []
    assert run_image(docker, {"/app": static}).returncode == 0


def test_load_location_on_scratch_with_and_without_tzdata(docker, go):
    tz = gobuild.build("tz").read_bytes()
    assert findings(missing_zoneinfo, analyse(FakeTree().file("/app", tz)))
    r = run_image(docker, {"/app": tz})
    assert "unknown time zone Europe/Berlin" in r.stdout
    emb = gobuild.build("tzdata").read_bytes()
    assert findings(missing_zoneinfo, analyse(FakeTree().file("/app", emb))) == []
    assert run_image(docker, {"/app": emb}).stdout.startswith("Europe/Berlin <nil>")
