"""Layers parsed in worker processes give the report parsing them one after the other gives.

``golayer image`` forks workers for the layers of a local archive (golayer.image.parallel);
``GOLAYER_PARALLEL_MIN_BYTES=0`` makes it do so for these small archives, ``GOLAYER_JOBS=1`` turns
it off. The JSON reports (findings, waste numbers, dive score, layers, problems) and the errors of
both runs must be identical, byte for byte.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.image.helpers import Layer, docker_archive, raw_header, raw_tar

ROOT = Path(__file__).resolve().parents[2]


def _run(archive: Path, jobs: str, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "GOLAYER_JOBS": jobs, "GOLAYER_PARALLEL_MIN_BYTES": "0",
           **(env or {})}
    return subprocess.run([sys.executable, "-m", "golayer", "image", str(archive), "-f", "json", "--no-progress",
                           *extra], env=env, capture_output=True, text=True, timeout=120)


def _report(p: subprocess.CompletedProcess) -> dict:
    doc = json.loads(p.stdout)
    doc["summary"].pop("seconds")
    return doc


def _layers() -> list:
    base = Layer().dir("etc").file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n").dir("usr").dir("usr/lib")
    for i in range(300):
        base.file(f"usr/lib/pkg{i % 7}/lib{i}.so", 100 + i, mode=0o644)
    base.file("usr/bin/tool", b"\x7fELF" + bytes(2000), mode=0o755).hardlink("usr/bin/tool2", "usr/bin/tool")
    go = Layer().file("usr/local/go/VERSION", b"go1.27.3\n").dir("usr/local/go/src/runtime").dir("usr/local/go/pkg/tool")
    for i in range(400):
        go.file(f"usr/local/go/src/p{i % 9}/f{i}.go", 50 + i)
    cache = Layer().file("root/.cache/go-build/README", b"x").file("root/.cache/go-build/trim.txt", b"1")
    for i in range(200):
        cache.file(f"root/.cache/go-build/{i % 256:02x}/{i:08x}-d", 300 + i)
    cache.file("src/.git/config", b"[core]\n").file("a/" + "long/" * 40 + "name.txt", b"pax path")
    top = (Layer().whiteout("usr/local/go/src/p1").opaque("root/.cache/go-build/00")
           .file("usr/lib/pkg0/lib0.so", 100, mode=0o755).symlink("usr/bin/sh", "/bin/busybox")
           .hardlink("usr/bin/dangling", "usr/bin/nothing"))
    return [base, go, cache, top]


def test_parallel_report_equals_serial_report(tmp_path):
    layers = _layers()
    archive = docker_archive(tmp_path / "img.tar", layers + [layers[1]], entrypoint=["/usr/bin/tool"])
    serial, parallel = _run(archive, "1"), _run(archive, "4")
    assert serial.returncode == parallel.returncode == 1, serial.stderr  # findings: exit 1
    a, b = _report(serial), _report(parallel)
    assert a == b
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a["summary"]["wasted_bytes"] > 0 and a["findings"] and a["problems"]
    assert len(a["layers"]) == 5
    oci = docker_archive(tmp_path / "oci.tar", layers, layout="oci")
    assert _report(_run(oci, "1")) == _report(_run(oci, "3"))
    verify = _run(archive, "4", "--verify")
    assert _report(verify) == _report(_run(archive, "1", "--verify"))


@pytest.mark.parametrize("bad_at", [1, 3])
def test_parallel_errors_are_the_serial_errors(tmp_path, bad_at):
    layers: list = _layers()
    # a layer cut inside a member's data: the first broken layer in stack order is the one reported
    cut = raw_tar((raw_header("x/big", 5000), b"y" * 5000))[:2048]
    layers[bad_at] = cut
    if bad_at == 1:
        layers[3] = raw_tar((raw_header("z/other", 9000), b"q" * 9000))[:3000]
    archive = docker_archive(tmp_path / "bad.tar", layers)
    serial, parallel = _run(archive, "1"), _run(archive, "4")
    assert serial.returncode == parallel.returncode == 2
    assert serial.stderr == parallel.stderr
    assert "truncated" in serial.stderr and "Traceback" not in serial.stderr


def test_a_parallel_min_bytes_that_is_not_a_byte_count_is_the_default(tmp_path):
    archive = docker_archive(tmp_path / "img.tar", _layers(), entrypoint=["/usr/bin/tool"])
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "GOLAYER_PARALLEL_MIN_BYTES": "64MiB"}
    p = subprocess.run([sys.executable, "-m", "golayer", "image", str(archive), "-f", "json", "--no-progress"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
    assert _report(p) == _report(_run(archive, "1"))


def test_a_parse_error_above_is_reported_before_a_stacking_error_below(tmp_path):
    # layers are stacked while workers still parse the ones above: a layer that fails to stack
    # (here: over GOLAYER_MAX_ENTRIES) must not hide a later layer that fails to parse -- serially,
    # every layer is parsed before any is stacked
    layers: list = _layers()
    layers[2] = raw_tar((raw_header("x/big", 5000), b"y" * 5000))[:2048]
    archive = docker_archive(tmp_path / "bad.tar", layers)
    env = {"GOLAYER_MAX_ENTRIES": "50"}
    serial, parallel = _run(archive, "1", env=env), _run(archive, "2", env=env)
    assert serial.returncode == parallel.returncode == 2
    assert serial.stderr == parallel.stderr
    assert "truncated" in serial.stderr and "Traceback" not in serial.stderr
    ok = docker_archive(tmp_path / "ok.tar", _layers())
    serial, parallel = _run(ok, "1", env=env), _run(ok, "2", env=env)
    assert serial.returncode == parallel.returncode == 2
    assert serial.stderr == parallel.stderr and "GOLAYER_MAX_ENTRIES" in serial.stderr


def test_many_layers_shared_between_this_process_and_the_workers(tmp_path):
    # more layers than processes, some listed twice: whoever is free takes the next layer
    layers: list = _layers()
    many = [layers[0], layers[1], layers[2]]
    for i in range(9):
        many.append(Layer().file(f"extra/{i}/a.txt", b"x" * (100 + i)).whiteout(f"extra/{i - 1}/a.txt")
                    .file(f"usr/local/go/src/p{i}/f{i}.go", 10 + i))
    many += [layers[3], layers[1], many[5]]
    archive = docker_archive(tmp_path / "many.tar", many, entrypoint=["/usr/bin/tool"])
    serial = _report(_run(archive, "1"))
    for jobs in ("2", "3", "4"):
        assert _report(_run(archive, jobs)) == serial
    assert len(serial["layers"]) == len(many)


def test_workers_only_for_idle_cpus(monkeypatch):
    # the default number of processes: this one plus one per idle CPU, at most 4; GOLAYER_JOBS wins
    from golayer.image import parallel

    monkeypatch.delenv("GOLAYER_JOBS", raising=False)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    for load, want in ((0.2, 2), (0.9, 2), (1.2, 1), (4.5, 1)):
        monkeypatch.setattr(parallel.os, "getloadavg", lambda load=load: (load, load, load))
        assert parallel.jobs() == want, load
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 16)
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (1.0, 1.0, 1.0))
    assert parallel.jobs() == parallel.MAX_JOBS
    monkeypatch.setenv("GOLAYER_JOBS", "3")
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (40.0, 40.0, 40.0))
    assert parallel.jobs() == 3
