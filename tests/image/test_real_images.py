"""Integration: real `docker save` output and the daemon stream; a real Go binary in a layer."""

from __future__ import annotations

import os
import subprocess
import tarfile
import uuid

import pytest

from golayer.image.analyse import analyse
from tests.image.helpers import Layer, docker_archive, tree_of

PREFIX = "golayer-test-image-"


def _tree(root, files: dict[str, int]) -> int:
    total = 0
    for rel, size in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(bytes([65 + len(rel) % 26]) * size)
        total += size
    return total


@pytest.mark.docker
def test_docker_save_and_daemon_stream_match_the_tree(tmp_path, docker):
    tag = f"{PREFIX}{uuid.uuid4().hex[:10]}"
    base_files = {"etc/os-release": 120, "usr/lib/libfoo.so.1": 70_000, "usr/share/doc/a.txt": 3_333, "app/config": 500}
    base_dir = tmp_path / "base"
    base_total = _tree(base_dir, base_files)
    os.symlink("libfoo.so.1", base_dir / "usr/lib/libfoo.so")
    base_tar = tmp_path / "base.tar"
    with tarfile.open(base_tar, "w") as tf:
        tf.add(base_dir, arcname=".")
    ctx = tmp_path / "ctx"
    add_files = {"data/one.bin": 123_456, "data/sub/two.bin": 7_000, "data/empty": 0}
    add_total = _tree(ctx, add_files)
    (ctx / "config").write_bytes(b"x" * 42)  # overwrites /app/config (500 bytes -> hidden)
    (ctx / "Dockerfile").write_text(f"FROM {tag}-base\nCOPY data /data\nCOPY config /app/config\nUSER 1000\n")
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    made = []
    try:
        subprocess.run([docker, "import", str(base_tar), f"{tag}-base"], check=True, capture_output=True, timeout=120)
        made.append(f"{tag}-base")
        r = subprocess.run([docker, "build", "-q", "-t", tag, str(ctx)], capture_output=True, text=True, env=env,
                           timeout=300)
        assert r.returncode == 0, r.stderr
        made.append(tag)
        archive = tmp_path / "img.tar"
        subprocess.run([docker, "save", "-o", str(archive), tag], check=True, timeout=300)
        ana = analyse(f"docker-archive:{archive}")
        assert ana.source_kind == "docker-archive"
        assert ana.visible_bytes == base_total - 500 + add_total + 42
        assert ana.wasted_bytes == 500 and ana.total_bytes == base_total + add_total + 42
        t = tree_of(ana)
        assert t["/data/one.bin"].size == 123_456 and t["/usr/lib/libfoo.so"].type == "symlink"
        assert ana.tree.resolve("/usr/lib/libfoo.so").path == "/usr/lib/libfoo.so.1"
        assert ana.tree.read(t["/app/config"]) == b"x" * 42
        created = [li.created_by for li in ana.layers]
        assert any("COPY data /data" in c for c in created) and any("/app/config" in c for c in created)
        assert ana.config["config"]["User"] == "1000"
        # the daemon stream gives the same accounting, without writing an archive
        live = analyse(f"docker:{tag}")
        assert live.source_kind == "docker"
        assert (live.total_bytes, live.visible_bytes, live.wasted_bytes) == (ana.total_bytes, ana.visible_bytes,
                                                                              ana.wasted_bytes)
        assert [li.digest for li in live.layers] == [li.digest for li in ana.layers]
        assert live.tree.read(tree_of(live)["/app/config"]) == b"x" * 42
    finally:
        for name in reversed(made):
            subprocess.run([docker, "rmi", "-f", name], capture_output=True, timeout=120)


@pytest.mark.docker
def test_daemon_missing_image_is_a_clear_error(docker, cli):
    r = cli(["image", f"docker:{PREFIX}does-not-exist-{uuid.uuid4().hex[:6]}"])
    assert r.code == 2 and "no such image" in r.err


@pytest.mark.go
def test_real_go_binary_is_categorised_and_inspected(tmp_path, go):
    src = tmp_path / "src"
    src.mkdir()
    (src / "go.mod").write_text("module example.com/hello\n\ngo 1.22\n")
    (src / "main.go").write_text('package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n')
    # the user's GOCACHE stays warm across test runs (the binary tests share it)
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-buildvcs=false", "GOTELEMETRY": "off"}
    out = tmp_path / "hello"
    subprocess.run([go, "build", "-trimpath", "-o", str(out), "."], cwd=src, env=env, check=True, timeout=600)
    data = out.read_bytes()
    arch = docker_archive(tmp_path / "go.tar", [Layer().file("app", data, mode=0o755).file("src/main.go", 60)],
                          user="65532", entrypoint=["/app"])
    ana = analyse(str(arch))
    assert ana.categories["go-binary"]["visible_bytes"] == len(data)
    assert tree_of(ana)["/app"].category == "go-binary"
    if ana.binaries_available:
        [b] = [b for b in ana.binaries if b.path == "/app"]
        assert b.is_go and b.linkage == "static"
